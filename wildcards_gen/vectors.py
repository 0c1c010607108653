"""Small numpy helpers on embedding matrices, shared by senses, arrangement and arrangers.

A leaf module (numpy only), so that WordNet's sense matching can use it without
importing the embedder machinery and its plugin registry.
"""

from __future__ import annotations


def cosine_normalise(matrix):
    """Rows scaled to unit length (zero rows stay zero)."""
    import numpy as np

    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms
