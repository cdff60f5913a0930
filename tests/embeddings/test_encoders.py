"""The int8 ONNX encoder the product uses agrees with the sentence-transformers (PyTorch) reference."""

from __future__ import annotations

import numpy as np

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
