"""What every encoder offers.

Apart from `embeddings.encoder`, which builds encoders, so encoders made of encoders can name it without importing
the module that builds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    name: str  # identifies the vectors it makes (model and runtime), so cached vectors never mix
    dimension: int

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...
