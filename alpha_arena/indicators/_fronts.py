"""The one dispatch layer between callers' containers and the numba kernels.

`apply` turns numpy / pandas / polars inputs into contiguous float64 arrays, checks
them (dtype, dimensions, matching shapes), calls the 1-D or 2-D kernel, and gives the
results back in the caller's kind (a pandas index and columns, a polars name and
columns are kept). Parameter checks (`period`, `number`) raise `ValidationError`
naming the field, so a bad call never surfaces as a numba or numpy traceback.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alpha_arena.errors import ValidationError
from alpha_arena.indicators.buffers import POOL


@dataclass(frozen=True, slots=True)
class Frame:
    """How to rebuild the caller's container around a result array."""

    kind: str
    index: pd.Index | None = None
    columns: tuple[Any, ...] | None = None
    name: Any = None


_NUMPY = Frame("numpy")


def _is_polars(value: object) -> bool:
    return type(value).__module__.split(".")[0] == "polars"


def _is_scalar(value: object) -> bool:
    if isinstance(value, np.ndarray):  # the common case, without the slower ABC check
        return False
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _numeric(field: str, dtype: object, ok: bool) -> None:
    if not ok:
        raise ValidationError(field, "a real numeric dtype (int or float)", str(dtype))


def _from_numpy(value: np.ndarray, field: str) -> np.ndarray:
    kind = value.dtype.kind
    _numeric(field, value.dtype, kind in "iuf")
    return np.asarray(value, dtype=np.float64)


def _from_pandas(value: pd.Series | pd.DataFrame, field: str) -> tuple[np.ndarray, Frame]:
    if isinstance(value, pd.Series):
        dtype = value.dtype
        _numeric(field, dtype, pd.api.types.is_numeric_dtype(dtype) and dtype.kind != "b")
        array = value.to_numpy(dtype=np.float64, na_value=np.nan)
        return array, Frame("pandas", value.index, None, value.name)
    for column, dtype in value.dtypes.items():
        ok = pd.api.types.is_numeric_dtype(dtype) and dtype.kind != "b"
        _numeric(f"{field}[{column!r}]", dtype, ok)
    array = value.to_numpy(dtype=np.float64, na_value=np.nan)
    return array, Frame("pandas", value.index, tuple(value.columns))


def _from_polars(value: Any, field: str) -> tuple[np.ndarray, Frame]:
    import polars as pl

    if isinstance(value, pl.Series):
        _numeric(field, value.dtype, value.dtype.is_numeric())
        array = value.cast(pl.Float64).fill_null(float("nan")).to_numpy()
        return np.asarray(array, dtype=np.float64), Frame("polars", name=value.name)
    if isinstance(value, pl.DataFrame):
        for column, dtype in value.schema.items():
            _numeric(f"{field}[{column!r}]", dtype, dtype.is_numeric())
        cast = value.select(pl.all().cast(pl.Float64).fill_null(float("nan")))
        array = cast.to_numpy(order="fortran")
        return np.asarray(array, dtype=np.float64), Frame("polars", columns=tuple(value.columns))
    raise ValidationError(field, "a polars Series or DataFrame", type(value).__name__)


def to_array(
    value: object, field: str, ndims: tuple[int, ...] = (1, 2), panel: bool = True
) -> tuple[np.ndarray, Frame]:
    """A float64 array of `value` and the frame to rebuild its kind.

    A series comes back C-contiguous; a (time, markets) panel (`panel`, 2-D) comes back
    Fortran-ordered, so each market's column is contiguous for the 2-D kernels (free
    for pandas frames, which already store columns that way); other arrays C-ordered.
    """
    if isinstance(value, np.ndarray):
        array, frame = _from_numpy(value, field), _NUMPY
    elif isinstance(value, (pd.Series, pd.DataFrame)):
        array, frame = _from_pandas(value, field)
    elif _is_polars(value):
        array, frame = _from_polars(value, field)
    else:
        raise ValidationError(
            field,
            "a numpy array, pandas Series/DataFrame or polars Series/DataFrame",
            type(value).__name__,
        )
    if array.ndim not in ndims:
        shown = " or ".join(f"{n}-D" for n in ndims)
        raise ValidationError(field, f"a {shown} array", f"{array.ndim}-D shape {array.shape}")
    if panel and array.ndim == 2:
        return np.asfortranarray(array), frame
    return np.ascontiguousarray(array), frame


def from_array(array: np.ndarray, frame: Frame) -> Any:
    """`array` in the container kind `frame` describes."""
    if frame.kind == "numpy":
        return array
    if frame.kind == "pandas":
        if array.ndim == 1:
            return pd.Series(array, index=frame.index, name=frame.name, copy=False)
        columns = list(frame.columns or ())
        return pd.DataFrame(array, index=frame.index, columns=columns, copy=False)
    import polars as pl

    if array.ndim == 1:
        return pl.Series(frame.name or "", array, dtype=pl.Float64)
    return pl.DataFrame({str(c): array[:, j] for j, c in enumerate(frame.columns or ())})


def _outputs(count: int, shape: tuple[int, ...], order: str) -> list[np.ndarray]:
    """`count` uninitialised float64 arrays of `shape` in `order`: disjoint views of one
    block from the buffer pool (`buffers.py`), so repeated calls on same-shaped data
    reuse memory instead of page-faulting fresh outputs in. A block returns to use only
    when the last of its views is gone."""
    block = POOL.empty(count * math.prod(shape))
    if order == "F":
        return [part.T for part in block.reshape((count, *shape[::-1]))]
    return list(block.reshape((count, *shape)))


def apply(
    kernels: tuple[Callable[..., Any], Callable[..., Any]],
    inputs: Mapping[str, object],
    params: tuple[Any, ...] = (),
    result: type | None = None,
    *,
    levels: bool = False,
) -> Any:
    """Run an indicator: validate and convert `inputs`, call the 1-D or 2-D kernel, wrap.

    Any input may be a plain number, broadcast to the shape of the array inputs (one
    probability estimate against a series of asks, say), as long as one input is an
    array; the result takes the first array input's kind. `kernels` is (1-D kernel,
    2-D kernel); each is called as kernel(*inputs, *params, *outputs) with outputs
    allocated here (pooled numpy buffers; numba's own allocations page-fault ~4x slower). An
    indicator with several outputs names them with `result`, a NamedTuple class whose
    fields are the outputs. With `levels`, inputs carry a trailing levels axis (numpy
    only) and outputs have one axis fewer.
    """
    ndims = (2, 3) if levels else (1, 2)
    converted: dict[str, tuple[np.ndarray, Frame]] = {}
    for field, value in inputs.items():
        if levels and not isinstance(value, np.ndarray):
            raise ValidationError(field, "a numpy level array", type(value).__name__)
        if not _is_scalar(value):
            converted[field] = to_array(value, field, ndims, panel=not levels)
    if not converted:
        field = next(iter(inputs))
        raise ValidationError(field, "an array, Series or DataFrame", inputs[field])
    first, (reference, frame) = next(iter(converted.items()))
    shape = reference.shape
    arrays: list[np.ndarray] = []
    for field, value in inputs.items():
        if field not in converted:  # a scalar applies to every row and market
            arrays.append(np.full(shape, float(value), order="F" if len(shape) == 2 else "C"))
            continue
        array = converted[field][0]
        if array.shape != shape:
            raise ValidationError(field, f"the shape of {first} {shape}", array.shape)
        arrays.append(array)
    n_out = 1 if result is None else len(result._fields)  # type: ignore[attr-defined]
    out_shape = shape[:-1] if levels else shape
    order = "F" if len(out_shape) == 2 and not levels else "C"
    outs = _outputs(n_out, out_shape, order)
    kernel = kernels[0] if len(shape) == ndims[0] else kernels[1]
    kernel(*arrays, *params, *outs)
    if result is None:
        return from_array(outs[0], frame)
    return result(*(from_array(a, frame) for a in outs))


def period(field: str, value: object, minimum: int = 1) -> int:
    """An integer window length >= `minimum` (bools and floats are refused)."""
    if type(value) is int and value >= minimum:  # the common case, without the ABC check
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValidationError(field, f"an integer >= {minimum}", value)
    return int(value)


def number(field: str, value: object, low: float, high: float, *, open_low: bool = False) -> float:
    """A finite real in [low, high] (or (low, high] with `open_low`)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    x = float(value) if ok else math.nan  # type: ignore[arg-type]
    below = x <= low if open_low else x < low
    if not ok or not math.isfinite(x) or below or x > high:
        bracket = "(" if open_low else "["
        raise ValidationError(field, f"a number in {bracket}{low}, {high}]", value)
    return x
