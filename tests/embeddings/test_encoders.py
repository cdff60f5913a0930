"""The int8 ONNX encoder the product uses agrees with the sentence-transformers (PyTorch) reference; the
multilingual one loads with no network and puts a sentence near its translations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoder import load_encoder

TEXTS = [
    "Version control with Git. Track changes to your files.",
    "Selecting data from a database with SQL",
    "Introducción a la terminal de Unix",
    "",
    "データの可視化",
]


def test_onnx_and_torch_vectors_agree(encoder):
    torch = load_encoder("torch")
    onnx = encoder.inner
    a, b = onnx.encode(TEXTS), torch.encode(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-3)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.97
    assert onnx.name != torch.name  # cached vectors never mix


def test_encoding_keeps_order_and_handles_empty_input(encoder):
    onnx = encoder.inner
    assert onnx.encode([]).shape == (0, 384)
    together = onnx.encode(TEXTS)
    alone = np.vstack([onnx.encode([t]) for t in TEXTS])
    assert float(np.min(np.sum(together * alone, axis=1))) > 0.98


@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare (util-linux) makes the network namespace")
def test_the_multilingual_encoder_loads_and_embeds_with_no_network_at_all(tmp_path):
    """In a network namespace of its own (no interface but a down loopback), with an empty HOME (no model cache)."""
    script = (
        "from embeddings.encoder import load_multilingual; m = load_multilingual(); "
        "v = m.encode(['Introducción a la terminal']); q = m.encode_query('terminal'); print(v.shape, q.shape)"
    )
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(Path(__file__).parents[2])}
    done = subprocess.run(["unshare", "-rn", sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1, 384) (384,)"


def test_the_multilingual_encoder_puts_a_title_nearer_its_translations_than_another_lesson(multilingual):
    model = multilingual.inner
    english = model.encode_query("Creating a Git repository")
    vectors = model.encode(["Criar um repositório Git", "リポジトリの作成", "Plotting data with matplotlib"])
    portuguese, japanese, other = vectors @ english
    assert min(portuguese, japanese) > other


def test_a_joint_encoder_scores_the_weighted_mean_of_its_two_models_cosines(encoder):
    from embeddings.multilingual import JointEncoder

    onnx = encoder.inner
    joint = JointEncoder(onnx, _Prefixed(onnx), first_weight=0.7)
    documents, query = joint.encode(TEXTS[:3]), joint.encode_query("git branches")
    first = onnx.encode(TEXTS[:3]) @ onnx.encode_query("git branches")
    second = onnx.encode([f"Slides: {t}" for t in TEXTS[:3]]) @ onnx.encode_query("Slides: git branches")
    assert documents.shape == (3, 768) and np.allclose(np.linalg.norm(documents, axis=1), 1, atol=1e-3)
    assert np.allclose(documents @ query, 0.7 * first + 0.3 * second, atol=1e-5)
    assert joint.name == f"{onnx.name}+prefixed@0.7" and joint.encode([]).shape == (0, 768)


class _Prefixed:
    """A second model that scores differently from the first: the same model reading every text after "Slides: "."""

    name, dimension = "prefixed", 384

    def __init__(self, inner):
        self.inner = inner

    def encode(self, texts, batch_size=64):
        return self.inner.encode([f"Slides: {t}" for t in texts], batch_size)

    def encode_query(self, text):
        return self.inner.encode_query(f"Slides: {text}")
