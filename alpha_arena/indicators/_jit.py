"""The numba decorators every indicator kernel uses, so the options live in one place.

`error_model="numpy"` gives IEEE results (x / 0 → inf or NaN) instead of Python's
ZeroDivisionError, which is what a NaN-aware kernel wants; `cache=True` keeps compiled
kernels on disk so only the first import of a session pays the compile time.
`fastmath={"contract"}` lets a·b + c compile to one fused multiply-add.
"""

from __future__ import annotations

from numba import njit

_CONTRACT = {"contract"}
"""The one fast-math flag: fuse a·b + c into one multiply-add (one rounding instead of
two; it shortens the latency chains of the recursions). Reassociation and the no-NaN /
no-inf assumptions stay off: the kernels rely on IEEE NaN and on summation order."""

kernel = njit(cache=True, error_model="numpy", fastmath=_CONTRACT, nogil=True)
"""A serial kernel (the 1-D forms and the per-market cores)."""

step = njit(cache=True, error_model="numpy", fastmath=_CONTRACT, inline="always")
"""A small per-value update that numba inlines into the kernel loops calling it."""

parallel_kernel = njit(cache=True, error_model="numpy", fastmath=_CONTRACT, parallel=True)
"""A kernel that spreads markets (columns) over threads with `prange`."""
