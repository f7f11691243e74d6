"""Comma-separated numbers read in newline-aligned byte blocks, with exact error positions.

Each block (a few megabytes of whole lines) is parsed by Arrow's multithreaded C++ CSV parser,
so memory stays flat whatever the file size and speed is that of Arrow. When Arrow rejects a
block, or a value is missing or not finite, the block is scanned again line by line in Python to
name the first bad line and column exactly (this slow path only runs on error).

Line numbers in messages are 1-based and count every line of the file, header included. A line
longer than :data:`MAX_LINE_BYTES` (1 MiB) is refused, so memory stays within a block plus one
line whatever the file holds, and runs of blank lines are skipped over in C, in linear time.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io.arrow_arrays import column_values, first_finite_violation

__all__ = ["BLOCK_BYTES", "MAX_LINE_BYTES", "TextBlock", "iter_text_blocks", "parse_block", "show"]

#: Bytes of text handed to the parser at a time (whole lines; a block ends at a newline).
BLOCK_BYTES = 16 * 1024 * 1024
#: Arrow's own parallel block size within one of ours (measured best of 1-64 MiB on 2 cores).
_ARROW_BLOCK_BYTES = 4 * 1024 * 1024
#: Longest line accepted, in bytes (line break excluded). A motion CSV line holds a few numbers
#: (under 200 bytes); a longer line is damage, refused by its number instead of being held
#: whole in memory.
MAX_LINE_BYTES = 1024 * 1024
_BLANK = b" \t\r\n"


@dataclass(frozen=True)
class TextBlock:
    """Whole lines of a text file.

    Parameters
    ----------
    data : memoryview
        The lines, each ending in ``\\n`` (a view of a buffer owned by the block).
    first_line : int
        1-based line number of the first line of ``data`` in the file.
    n_lines : int
        Number of lines in ``data``.
    """

    data: memoryview
    first_line: int
    n_lines: int


def show(raw: bytes, limit: int = 40) -> str:
    """Quote a field of the file for an error message (decoded, shortened)."""
    text = raw.decode("utf-8", errors="replace")
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _long_line_start(buf: bytearray, size: int, max_line_bytes: int) -> int:
    """Start of the first line of ``buf[:size]`` longer than ``max_line_bytes``, or -1.

    ``buf`` starts at the start of a line; the line break is not counted, and an unfinished
    last line counts by the bytes it has so far. One ``rfind`` per ``max_line_bytes`` of text.
    """
    pos = 0
    while size - pos > max_line_bytes:
        newline = buf.rfind(b"\n", pos, pos + max_line_bytes + 1)
        if newline < 0:
            return pos
        pos = newline + 1
    return -1


def _content_stop(buf: bytearray, stop: int) -> int:
    """Index just after the last byte of ``buf[:stop]`` that is not blank (0 if all are).

    Looks back from ``stop`` in growing windows (copies of at most 1 MiB), so a long run of
    blank lines costs linear time in C, not a Python loop over its bytes.
    """
    window = 4096
    end = stop
    while end > 0:
        begin = max(0, end - window)
        kept = len(buf[begin:end].rstrip(_BLANK))
        if kept:
            return begin + kept
        end = begin
        window = min(2 * window, 1 << 20)
    return 0


def _next_read_size(fh: IO[bytes], block_bytes: int) -> int:
    """Bytes to read next: a block, or less when the file has less left (small files)."""
    try:
        left = os.fstat(fh.fileno()).st_size - fh.tell()
    except (OSError, AttributeError, io.UnsupportedOperation):
        return block_bytes
    return max(1, min(block_bytes, left))


def _too_long(path: object, line: int, max_line_bytes: int) -> UnreadableFileError:
    return UnreadableFileError(
        path,
        f"line {line} is longer than {max_line_bytes:,} bytes (the longest line read; a "
        "motion CSV line holds a few numbers, under 200 bytes)",
    )


def iter_text_blocks(
    path: object,
    fh: IO[bytes],
    *,
    first_line: int,
    block_bytes: int = BLOCK_BYTES,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[TextBlock]:
    """Yield whole-line blocks from the current position of ``fh`` to the end.

    Blank lines at the very end of the file are dropped. Blank lines between two lines of the
    same block are kept (the parser reports them); blank lines that end a block are held back
    as a count, not as bytes, and raise ``"line N is empty"`` here when a line of text follows
    them. Each block is a fresh buffer filled by ``readinto`` (one copy of the file's bytes in
    all); what is carried from one block to the next is one unfinished line, so memory stays
    within a block plus ``max_line_bytes``.

    Raises
    ------
    UnreadableFileError
        A line longer than ``max_line_bytes`` (named by its number), or a run of blank lines
        followed by more text.
    """
    carry = b""
    line = first_line
    blank = 0  # blank lines held back after the last yielded line
    while True:
        buf = bytearray(len(carry) + _next_read_size(fh, block_bytes))
        buf[: len(carry)] = carry
        got = fh.readinto(memoryview(buf)[len(carry) :])  # type: ignore[attr-defined]
        if not got:
            break
        size = len(carry) + got
        long_at = _long_line_start(buf, size, max_line_bytes)
        whole = long_at if long_at >= 0 else buf.rfind(b"\n", 0, size) + 1
        stop = _content_stop(buf, whole)
        if stop:
            if blank:
                raise UnreadableFileError(path, f"line {line} is empty")
            end = buf.find(b"\n", stop)
            n = buf.count(b"\n", 0, end + 1)
            yield TextBlock(memoryview(buf)[: end + 1], line, n)
            line += n
            blank = buf.count(b"\n", end + 1, whole)
        else:
            blank += buf.count(b"\n", 0, whole)
        if long_at >= 0:
            if blank:
                raise UnreadableFileError(path, f"line {line} is empty")
            raise _too_long(path, line, max_line_bytes)
        carry = bytes(buf[whole:size])
    tail = carry.rstrip(_BLANK)
    if tail:
        if blank:
            raise UnreadableFileError(path, f"line {line} is empty")
        yield TextBlock(memoryview(tail + b"\n"), line, 1)


def _convert(raw: bytes, kind: pa.DataType) -> bool:
    text = raw.strip().strip(b'"').strip()
    try:
        if pa.types.is_integer(kind):
            int(text)
        else:
            float(text)
    except ValueError:
        return False
    return True


def _lines(block: TextBlock) -> list[bytes]:
    lines = bytes(block.data).split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]


def _diagnose(block: TextBlock, names: list[str], wanted: dict[str, pa.DataType]) -> str | None:
    """First bad line of ``block`` as a message, or None if the slow scan finds nothing."""
    index = {name: names.index(name) for name in wanted}
    for offset, line in enumerate(_lines(block)):
        number = block.first_line + offset
        if line.strip() == b"":
            return f"line {number} is empty"
        fields = line.split(b",")
        if len(fields) != len(names):
            return f"line {number} has {len(fields)} fields, expected {len(names)}"
        for name, kind in wanted.items():
            raw = fields[index[name]]
            if raw.strip() == b"":
                return f"line {number}, column {name!r}: empty value"
            if not _convert(raw, kind):
                what = "an integer" if pa.types.is_integer(kind) else "a number"
                return f"line {number}, column {name!r}: {show(raw.strip())} is not {what}"
    return None


def _field(block: TextBlock, row: int, column: int) -> bytes:
    lines = _lines(block)
    if row >= len(lines):  # pragma: no cover - rows and lines agree (no quoted newlines)
        return b""
    fields = lines[row].split(b",")
    return fields[column].strip() if column < len(fields) else b""


def parse_block(
    path: object,
    block: TextBlock,
    names: list[str],
    wanted: dict[str, pa.DataType],
) -> dict[str, NDArray[np.float64] | NDArray[np.int64]]:
    """Parse ``block`` and return the ``wanted`` columns as finite numpy arrays.

    Raises
    ------
    UnreadableFileError
        Wrong number of fields, a value that is not a number, an empty line or value, or a
        value that is not finite; the message names the line and the column.
    """
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(block.data)),
            read_options=pacsv.ReadOptions(
                column_names=names,
                autogenerate_column_names=False,
                block_size=_ARROW_BLOCK_BYTES,
                use_threads=len(block.data) > _ARROW_BLOCK_BYTES,
            ),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=wanted, include_columns=list(wanted), quoted_strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        found = _diagnose(block, names, wanted)
        if found is None:
            last = block.first_line + block.n_lines - 1
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            found = f"lines {block.first_line}-{last}: {first}"
        raise UnreadableFileError(path, found) from None
    if table.num_rows != block.n_lines:  # pragma: no cover - quoted newlines are not supported
        raise UnreadableFileError(
            path, f"lines {block.first_line}-: quoted line breaks are not supported"
        )
    out: dict[str, NDArray[np.float64] | NDArray[np.int64]] = {}
    for name, kind in wanted.items():
        column = table.column(name)
        if column.null_count:
            row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
            raw = _field(block, row, names.index(name))
            number = block.first_line + row
            if all(not f.strip() for f in _lines(block)[row].split(b",")):
                raise UnreadableFileError(path, f"line {number} is empty")
            value = "empty value" if raw == b"" else f"{show(raw)} is not a number"
            raise UnreadableFileError(path, f"line {number}, column {name!r}: {value}")
        values = column_values(column)
        if not pa.types.is_integer(kind):
            bad = first_finite_violation(values)
            if bad is not None:
                number = block.first_line + bad
                raise UnreadableFileError(
                    path, f"line {number}, column {name!r}: {float(values[bad])!r} is not finite"
                )
        out[name] = values
    return out
