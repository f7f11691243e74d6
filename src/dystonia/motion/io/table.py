"""Contract tables: CSV and Parquet files with the columns of ``contracts/motion.md``.

Columns: ``time`` (seconds, strictly increasing), ``acc_x, acc_y, acc_z`` (g) and/or
``gyro_x, gyro_y, gyro_z`` (deg/s). At least one full triplet is required; a partial triplet is an
error (never guessed); other columns are ignored and listed in ``metadata["ignored_columns"]``.

Both readers stream: CSV in newline-aligned byte blocks parsed by Arrow
(:mod:`dystonia.motion.io.text_blocks`), Parquet batch by batch within row groups
(:meth:`pyarrow.parquet.ParquetFile.iter_batches`), so memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from dystonia.exceptions import UnreadableFileError, closest_match
from dystonia.motion.io.arrow_arrays import column_values, first_finite_violation
from dystonia.motion.io.batches import Batch, Source, Triplet
from dystonia.motion.io.text_blocks import (
    BLOCK_BYTES,
    MAX_LINE_BYTES,
    iter_text_blocks,
    parse_block,
    show,
)

__all__ = [
    "ACC_COLUMNS",
    "GYRO_COLUMNS",
    "TIME_COLUMN",
    "Columns",
    "check_time",
    "line_at",
    "open_contract_csv",
    "open_parquet",
    "select_columns",
]

TIME_COLUMN = "time"
ACC_COLUMNS = ("acc_x", "acc_y", "acc_z")
GYRO_COLUMNS = ("gyro_x", "gyro_y", "gyro_z")
_CONTRACT = (TIME_COLUMN, *ACC_COLUMNS, *GYRO_COLUMNS)
_HEADER_MAX_BYTES = 65536
#: Rows per Parquet batch (bounded memory within a large row group).
PARQUET_BATCH_ROWS = 65536
#: File bytes per row below which a Parquet footer's row count is not trusted for
#: preallocation (measured: 4.7 bytes per row for 24 h of 100 Hz acc + gyro with snappy; a
#: more compressible file is still read whole, its rows joined instead of preallocated).
MIN_PARQUET_BYTES_PER_ROW = 1


@dataclass(frozen=True)
class Columns:
    """Which contract columns a table has.

    Parameters
    ----------
    all : list of str
        Every column name, in file order.
    has_acc, has_gyro : bool
        Whether the full accelerometer / gyroscope triplet is present.
    ignored : list of str
        Columns that are not contract columns.
    """

    all: list[str]
    has_acc: bool
    has_gyro: bool
    ignored: list[str]

    @property
    def wanted(self) -> list[str]:
        """Columns to read, in contract order."""
        names = [TIME_COLUMN]
        if self.has_acc:
            names += ACC_COLUMNS
        if self.has_gyro:
            names += GYRO_COLUMNS
        return names


def _missing(name: str, names: list[str]) -> str:
    near = closest_match(name, names)
    if near is None:
        lowered = {n.lower(): n for n in names}
        near = lowered.get(name)
    hint = f" (found {near!r}; names are case-sensitive and exact)" if near else ""
    return f"missing column {name!r}{hint}"


def select_columns(path: object, names: list[str]) -> Columns:
    """Check the column names of a contract table.

    Raises
    ------
    UnreadableFileError
        Duplicate names, no ``time`` column, a partial triplet, or no triplet at all.
    """
    seen: set[str] = set()
    for name in names:
        if name in seen and name in _CONTRACT:
            raise UnreadableFileError(path, f"column {name!r} appears more than once")
        seen.add(name)
    if TIME_COLUMN not in seen:
        found = ", ".join(repr(n) for n in names[:8]) + (", ..." if len(names) > 8 else "")
        raise UnreadableFileError(path, f"{_missing(TIME_COLUMN, names)}; columns found: {found}")
    present: dict[str, bool] = {}
    for label, triplet in (("accelerometer", ACC_COLUMNS), ("gyroscope", GYRO_COLUMNS)):
        have = [c for c in triplet if c in seen]
        if have and len(have) < 3:
            lacking = [c for c in triplet if c not in seen]
            raise UnreadableFileError(
                path,
                f"incomplete {label} triplet: has {', '.join(have)} but "
                f"{_missing(lacking[0], names)}",
            )
        present[label] = len(have) == 3
    if not (present["accelerometer"] or present["gyroscope"]):
        raise UnreadableFileError(
            path,
            "no sensor columns: need acc_x, acc_y, acc_z (g) and/or gyro_x, gyro_y, gyro_z (deg/s)",
        )
    ignored = [n for n in names if n not in _CONTRACT]
    return Columns(list(names), present["accelerometer"], present["gyroscope"], ignored)


def check_time(
    path: object,
    time_s: NDArray[np.float64],
    previous_s: float | None,
    where: Callable[[int], str],
) -> None:
    """Raise unless ``time_s`` is strictly increasing and after ``previous_s``.

    ``where(i)`` names row ``i`` of ``time_s`` in the file (``"line 17"``, ``"row 16"``).
    """
    if time_s.size == 0:
        return
    if previous_s is not None and not time_s[0] > previous_s:
        now = float(time_s[0])
        kind = "repeats" if now == previous_s else "goes back from"
        raise UnreadableFileError(
            path,
            f"{where(0)}: time {now!r} s {kind} the previous time {previous_s!r} s "
            "(time must be strictly increasing)",
        )
    # compared, not subtracted: a difference of huge times overflows (-1e308 to 1e308)
    bad = np.flatnonzero(~(time_s[1:] > time_s[:-1]))
    if bad.size:
        i = int(bad[0]) + 1
        now, before = float(time_s[i]), float(time_s[i - 1])
        kind = "repeats" if now == before else "goes back from"
        raise UnreadableFileError(
            path,
            f"{where(i)}: time {now!r} s {kind} the previous time {before!r} s "
            "(time must be strictly increasing)",
        )


def line_at(first_line: int) -> Callable[[int], str]:
    """Name element ``i`` of a text block starting at ``first_line`` (``"line 17"``)."""

    def where(i: int) -> str:
        return f"line {first_line + i}"

    return where


def _row_at(first_row: int) -> Callable[[int], str]:
    def where(i: int) -> str:
        return f"row {first_row + i}"

    return where


def _axes(cols: dict[str, Any], names: tuple[str, str, str]) -> Triplet:
    """Three decoded columns as a triplet of a :class:`Batch` (stacked only if asked for)."""
    return (
        np.asarray(cols[names[0]], dtype=np.float64),
        np.asarray(cols[names[1]], dtype=np.float64),
        np.asarray(cols[names[2]], dtype=np.float64),
    )


def _read_header(path: Path, fh: Any) -> tuple[list[str], int]:
    head = fh.read(_HEADER_MAX_BYTES)
    if not head.strip():
        raise UnreadableFileError(path, "empty file")
    end = head.find(b"\n")
    if end < 0:
        if len(head) >= _HEADER_MAX_BYTES:
            raise UnreadableFileError(path, "no line break in the first 64 KiB: not a CSV file")
        end = len(head)
    raw = head[:end].rstrip(b"\r")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFileError(path, "line 1 is not UTF-8 text: not a CSV file") from None
    if "," not in text:
        for sep, label in ((";", "semicolons"), ("\t", "tabs")):
            if sep in text:
                raise UnreadableFileError(
                    path, f"line 1 separates columns with {label}; contract CSV uses commas"
                )
    names = [n.strip().strip('"').strip() for n in text.split(",")]
    if all(_is_number(n) for n in names):
        raise UnreadableFileError(
            path,
            f"line 1 is data ({show(raw)}), not a header; the first line must name the columns "
            "(time, acc_x, acc_y, acc_z, gyro_x, gyro_y, gyro_z)",
        )
    fh.seek(end + 1)
    return names, end + 1


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def open_contract_csv(
    path: Path, *, block_bytes: int = BLOCK_BYTES, max_line_bytes: int = MAX_LINE_BYTES
) -> Source:
    """Open a contract CSV file for streaming.

    Raises
    ------
    UnreadableFileError
        Empty file, header problems (see :func:`select_columns`), and, while iterating, bad rows
        (a line longer than ``max_line_bytes``, 1 MiB, is one).
    """
    with path.open("rb") as fh:
        names, _ = _read_header(path, fh)
        columns = select_columns(path, names)
        if not fh.read(_HEADER_MAX_BYTES).strip():
            raise UnreadableFileError(path, "no data rows after the header (line 1)")
    metadata: dict[str, Any] = {"columns": columns.all, "ignored_columns": columns.ignored}
    return Source(
        format="csv",
        source=path.name,
        metadata=metadata,
        batches=_csv_batches(path, columns, block_bytes, max_line_bytes),
        has_acc=columns.has_acc,
        has_gyro=columns.has_gyro,
    )


def _csv_batches(
    path: Path, columns: Columns, block_bytes: int, max_line_bytes: int
) -> Iterator[Batch]:
    wanted = {name: pa.float64() for name in columns.wanted}
    previous: float | None = None
    with path.open("rb") as fh:
        _read_header(path, fh)
        blocks = iter_text_blocks(
            path, fh, first_line=2, block_bytes=block_bytes, max_line_bytes=max_line_bytes
        )
        for block in blocks:
            cols = parse_block(path, block, columns.all, wanted)
            time_s = np.ascontiguousarray(cols[TIME_COLUMN], dtype=np.float64)
            check_time(path, time_s, previous, line_at(block.first_line))
            previous = float(time_s[-1])
            yield Batch(
                time_s,
                _axes(cols, ACC_COLUMNS) if columns.has_acc else None,
                _axes(cols, GYRO_COLUMNS) if columns.has_gyro else None,
            )


def _parquet_error(path: Path, exc: Exception) -> UnreadableFileError:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return UnreadableFileError(path, f"not a readable Parquet file ({message})")


def open_parquet(path: Path, *, batch_rows: int = PARQUET_BATCH_ROWS) -> Source:
    """Open a contract Parquet file for streaming by row group.

    Raises
    ------
    UnreadableFileError
        Not Parquet, damaged footer, missing or non-numeric columns, no rows; while iterating,
        missing (null) or non-finite values and time that does not strictly increase.
    """
    try:
        # pre_buffer=False: with pre-buffering, iter_batches keeps buffers of every row group
        # read so far (measured: Arrow memory grows with the file); without, it stays flat
        pf = pq.ParquetFile(path, pre_buffer=False)
        schema = pf.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _parquet_error(path, exc) from None
    names = list(schema.names)
    columns = select_columns(path, names)
    for name in columns.wanted:
        kind = schema.field(name).type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            raise UnreadableFileError(
                path, f"column {name!r} has type {kind}; expected numbers (float or integer)"
            )
    try:
        n_rows = _footer_rows(path, pf, columns)
    except (pa.ArrowException, OSError, ValueError, IndexError) as exc:
        raise _parquet_error(path, exc) from None
    metadata: dict[str, Any] = {
        "columns": columns.all,
        "ignored_columns": columns.ignored,
        "row_groups": pf.metadata.num_row_groups,
    }
    return Source(
        format="parquet",
        source=path.name,
        metadata=metadata,
        batches=_parquet_batches(path, pf, columns, batch_rows, n_rows),
        has_acc=columns.has_acc,
        has_gyro=columns.has_gyro,
        # the footer may lie: never preallocate more rows than the file has bytes
        expected_samples=min(n_rows, path.stat().st_size // MIN_PARQUET_BYTES_PER_ROW),
    )


def _footer_rows(path: Path, pf: pq.ParquetFile, columns: Columns) -> int:
    """The number of rows the footer announces, checked against its own row groups.

    Raises
    ------
    UnreadableFileError
        A negative count, a file total that is not the sum of its row groups, a wanted column
        chunk whose metadata is missing, or no rows at all.
    """
    meta = pf.metadata
    total = meta.num_rows
    if total < 0:
        raise UnreadableFileError(path, f"damaged footer: it claims {total} rows")
    leaf = {pf.schema.column(i).path: i for i in range(len(pf.schema))}
    summed = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        if group.num_rows < 0:
            raise UnreadableFileError(
                path, f"damaged footer: row group {g} claims {group.num_rows} rows"
            )
        summed += group.num_rows
        # Only the count of column chunks is checked here, never a chunk's own metadata:
        # pyarrow (26) builds ColumnChunkMetaData in a way that aborts the whole process
        # (std::terminate) on some damaged size statistics ("Definition level histogram size
        # mismatch"). A lost or damaged chunk is found while decoding instead (the rows decoded
        # must add up to the footer's count, see _parquet_batches).
        missing = [name for name in columns.wanted if leaf[name] >= group.num_columns]
        if group.num_rows and missing:
            raise UnreadableFileError(
                path,
                f"row group {g}, column {missing[0]!r}: column chunk unreadable "
                "(its metadata is missing from the footer)",
            )
    if summed != total:
        raise UnreadableFileError(
            path,
            f"damaged footer: it claims {total:,} rows but its row groups hold {summed:,}",
        )
    if total == 0:
        raise UnreadableFileError(path, "no data rows")
    return int(total)


def _parquet_batches(
    path: Path, pf: pq.ParquetFile, columns: Columns, batch_rows: int, n_rows: int
) -> Iterator[Batch]:
    previous: float | None = None
    start = 0
    try:
        # use_threads=False: decoding in Arrow's thread pool costs a third more CPU for these
        # few numeric columns, and reading already overlaps the analysis (``prefetch``)
        for record_batch in pf.iter_batches(
            batch_size=batch_rows, columns=columns.wanted, use_threads=False
        ):
            cols: dict[str, NDArray[np.float64]] = {}
            for name in columns.wanted:
                array = record_batch.column(name)
                if array.null_count:
                    row = int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])
                    raise UnreadableFileError(
                        path, f"row {start + row + 1}, column {name!r}: missing value (null)"
                    )
                values = np.asarray(column_values(array), dtype=np.float64)
                bad = first_finite_violation(values)
                if bad is not None:
                    value = float(values[bad])
                    raise UnreadableFileError(
                        path, f"row {start + bad + 1}, column {name!r}: {value!r} is not finite"
                    )
                cols[name] = values
            time_s = cols[TIME_COLUMN]
            check_time(path, time_s, previous, _row_at(start + 1))
            previous = float(time_s[-1]) if time_s.size else previous
            start += record_batch.num_rows
            yield Batch(
                time_s,
                _axes(cols, ACC_COLUMNS) if columns.has_acc else None,
                _axes(cols, GYRO_COLUMNS) if columns.has_gyro else None,
            )
    except (pa.ArrowException, OSError) as exc:
        raise _parquet_error(path, exc) from None
    if start != n_rows:
        # a column chunk whose page headers or counts are damaged can decode to fewer rows
        what = "no samples" if start == 0 else f"{start:,} rows"
        raise UnreadableFileError(
            path,
            f"column chunk unreadable: decoded {what} of the {n_rows:,} rows its footer "
            "announces (damaged column chunk metadata)",
        )
