"""Cache-friendly access to the markets (columns) of a C-ordered (time, markets) matrix.

A column of a C-ordered matrix is strided: walking it touches one cache line per row.
The 2-D kernels therefore copy a block of `BLOCK` adjacent markets (one cache line per
row) into a (markets, time) buffer, run the 1-D core on each contiguous row, and copy
the results back, with blocks spread over threads.
"""

from __future__ import annotations

import numpy as np

from alpha_arena.indicators._jit import kernel

BLOCK = 8
"""Markets per block: 8 float64 = one 64-byte cache line of a row."""


@kernel
def n_blocks(x: np.ndarray) -> int:
    """Number of market blocks of a (time, markets) matrix."""
    return (x.shape[1] + BLOCK - 1) // BLOCK


@kernel
def gather(x: np.ndarray, block: int) -> np.ndarray:
    """The markets of `block` as a contiguous (markets, time) copy."""
    j0 = block * BLOCK
    width = min(BLOCK, x.shape[1] - j0)
    out = np.empty((width, x.shape[0]))
    for i in range(x.shape[0]):
        for q in range(width):
            out[q, i] = x[i, j0 + q]
    return out


@kernel
def scatter(dst: np.ndarray, src: np.ndarray, block: int) -> None:
    """Write a (markets, time) block back into the (time, markets) matrix `dst`."""
    j0 = block * BLOCK
    for i in range(src.shape[1]):
        for q in range(src.shape[0]):
            dst[i, j0 + q] = src[q, i]
