"""Arrow columns as numpy arrays, without the pandas import that ``to_numpy`` triggers.

``pyarrow.Array.to_numpy`` imports pandas on first use (about 0.45 s and 50 MB of resident
memory, measured with pyarrow 26), although a null-free column of primitive numbers is just a
buffer. :func:`column_values` wraps that buffer directly (zero copy for a single chunk) and falls
back to ``to_numpy`` only for other types.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

__all__ = ["column_values", "first_finite_violation"]


def _numpy_dtype(kind: pa.DataType) -> np.dtype[Any] | None:
    if pa.types.is_floating(kind) and kind.bit_width in (32, 64):
        return np.dtype(f"<f{kind.bit_width // 8}")
    if pa.types.is_integer(kind):
        code = "i" if pa.types.is_signed_integer(kind) else "u"
        return np.dtype(f"<{code}{kind.bit_width // 8}")
    return None


def column_values(column: pa.Array | pa.ChunkedArray) -> NDArray[Any]:
    """The values of a null-free numeric Arrow column as a (read-only) numpy array.

    Parameters
    ----------
    column : pyarrow.Array or pyarrow.ChunkedArray
        Check ``null_count`` first: null slots hold arbitrary values in the buffer.
    """
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 1:
            return column_values(column.chunk(0))
        dtype = _numpy_dtype(column.type)
        if column.num_chunks == 0 and dtype is not None:
            return np.empty(0, dtype=dtype)
        return np.concatenate([column_values(c) for c in column.chunks])
    dtype = _numpy_dtype(column.type)
    if dtype is None or column.null_count:
        return np.asarray(column.to_numpy(zero_copy_only=False))
    data = column.buffers()[1]
    if data is None:
        return np.empty(0, dtype=dtype)
    return np.frombuffer(
        data, dtype=dtype, count=len(column), offset=column.offset * dtype.itemsize
    )


def first_finite_violation(values: NDArray[Any]) -> int | None:
    """Index of the first NaN or infinite value, or None when all are finite.

    One summation decides the common case (a finite sum means every value is finite); only
    when it is not finite (a NaN, an infinity, or an overflow of huge values) is every value
    checked.
    """
    if values.size == 0 or values.dtype.kind in "iub":
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(values, axis=None)
    if np.isfinite(total):
        return None
    bad = np.flatnonzero(~np.isfinite(values))
    return int(bad[0]) if bad.size else None
