"""Fuzz the contract CSV reader (and the headerless CloudUPDRS CSV reader it shares code with).

Seed: the first rows of ``paradigma-ppp/ppp_watch_12min.csv`` (time, acc and gyro columns),
read in place. Mutations: header columns dropped, renamed, duplicated, re-cased, quoted or
reordered; values replaced by NaN, infinities, text, empty fields or huge numbers; rows
swapped or repeated (time that does not increase); a BOM; semicolon or tab delimiters; CRLF,
blank lines, trailing spaces; truncation; arbitrary bytes. Memory is measured on long lines
and long runs of blank lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io import iter_recording, read_recording
from dystonia.motion.io.text_blocks import BLOCK_BYTES, MAX_LINE_BYTES

from ._common import MEMORY_BOUND_BYTES, clear, cpu_budget, fuzz_settings, mib, traced_peak
from ._motion import check_recording, read_every_way, shared_file

PPP_CSV = shared_file("paradigma-ppp", "ppp_watch_12min.csv")
with PPP_CSV.open("rb") as _fh:
    LINES = [_fh.readline().rstrip(b"\n") for _ in range(120)]
HEADER, ROWS = LINES[0].split(b","), [line.split(b",") for line in LINES[1:]]


def _write(tmp_path: Path, data: bytes, name: str = "fuzz.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _join(header: list[bytes], rows: list[list[bytes]], sep: bytes, eol: bytes) -> bytes:
    return eol.join(sep.join(fields) for fields in [header, *rows]) + eol


_VALUES = st.sampled_from(
    [b"nan", b"NaN", b"inf", b"-inf", b"", b" ", b"x", b'"1.0"', b'"', b"1e309", b"-1e309",
     b"1" * 400, b"0x10", b"1,2", b"\x00", b"\xff\xfe", b"null", b"1_0", b"--1", b"1e", b"."]
)  # fmt: skip
_NAMES = st.sampled_from(
    [b"time", b"Time", b"TIME", b"acc_x", b"acc_y", b"acc_z", b"gyro_x", b"gyro_y", b"gyro_z",
     b"acc_X", b" acc_y", b'"acc_z"', b"", b"timestamp", b"time_s", b"\xef\xbb\xbftime", b"x"]
)  # fmt: skip


@st.composite
def table(draw: st.DrawFn) -> tuple[list[bytes], list[list[bytes]]]:
    """The seed's header and rows with column and value edits."""
    header = list(HEADER)
    rows = [list(r) for r in ROWS[: draw(st.integers(0, len(ROWS)))]]
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["drop", "rename", "duplicate", "swap"]))
        k = draw(st.integers(0, len(header) - 1)) if header else 0
        if not header:
            break
        if action == "drop":
            header.pop(k)
            for r in rows:
                if k < len(r):
                    r.pop(k)
        elif action == "rename":
            header[k] = draw(_NAMES)
        elif action == "duplicate":
            header.append(header[k])
            for r in rows:
                r.append(r[k] if k < len(r) else b"0")
        else:
            j = draw(st.integers(0, len(header) - 1))
            header[k], header[j] = header[j], header[k]
    for _ in range(draw(st.integers(0, 4))):
        if not rows:
            break
        i = draw(st.integers(0, len(rows) - 1))
        action = draw(st.sampled_from(["value", "value", "swap_rows", "repeat_row", "short"]))
        if action == "value" and rows[i]:
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = draw(_VALUES)
        elif action == "swap_rows":
            j = draw(st.integers(0, len(rows) - 1))
            rows[i], rows[j] = rows[j], rows[i]
        elif action == "repeat_row":
            rows.insert(i, list(rows[i]))
        elif rows[i]:
            rows[i].pop()
    return header, rows


@fuzz_settings(50)
@given(
    case=table(),
    sep=st.sampled_from([b",", b",", b",", b";", b"\t", b", "]),
    eol=st.sampled_from([b"\n", b"\n", b"\r\n", b"\r", b"\n\n"]),
    bom=st.booleans(),
    trailing=st.sampled_from([b"", b"\n\n\n", b"   ", b"\x00"]),
)
def test_contract_csv_edits(
    tmp_path: Path,
    case: tuple[list[bytes], list[list[bytes]]],
    sep: bytes,
    eol: bytes,
    bom: bool,
    trailing: bytes,
) -> None:
    """Wrong columns, NaN and text values, non-monotonic time, delimiters, BOM, line ends."""
    header, rows = case
    data = (b"\xef\xbb\xbf" if bom else b"") + _join(header, rows, sep, eol) + trailing
    read_every_way(_write(tmp_path, data))


@fuzz_settings(30)
@given(
    cut=st.integers(0, 6000),
    flips=st.lists(st.tuples(st.integers(0, 6000), st.integers(0, 255)), max_size=6),
    fmt=st.sampled_from(["auto", "csv", "cloudupdrs"]),
)
def test_truncated_and_flipped(
    tmp_path: Path, cut: int, flips: list[tuple[int, int]], fmt: str
) -> None:
    """Byte writes and truncation of the seed, read as CSV or CloudUPDRS."""
    raw = bytearray(b"\n".join(LINES)[:cut] or b"t")
    for position, value in flips:
        raw[position % len(raw)] = value
    read_every_way(_write(tmp_path, bytes(raw)), fmt)


@fuzz_settings(30)
@given(
    rows=st.lists(
        st.lists(
            st.integers(-(2**70), 2**70).map(lambda n: str(n).encode())
            | st.floats(allow_nan=True, allow_infinity=True).map(lambda f: repr(f).encode())
            | _VALUES,
            min_size=1,
            max_size=6,
        ),
        min_size=1,
        max_size=20,
    ),
    fmt=st.sampled_from(["auto", "cloudupdrs", "csv"]),
)
def test_headerless_numeric_rows(tmp_path: Path, rows: list[list[bytes]], fmt: str) -> None:
    """Numeric rows without a header (CloudUPDRS shape): timestamps beyond int64, NaN, text."""
    data = b"\n".join(b",".join(r) for r in rows) + b"\n"
    read_every_way(_write(tmp_path, data), fmt)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n\n",
        b"\xef\xbb\xbf",
        b"time,acc_x,acc_y,acc_z",
        b"time,acc_x,acc_y,acc_z\n",
        b"time;acc_x;acc_y;acc_z\n0;0;0;1\n",
        b"time\tacc_x\tacc_y\tacc_z\n0\t0\t0\t1\n",
        b"\xef\xbb\xbftime,acc_x,acc_y,acc_z\n0,0,0,1\n",
        b"time,acc_x,acc_y,acc_z\n0,0,0,1\n\n1,0,0,1\n",
        b"time,acc_x,acc_y,acc_z\n1,0,0,1\n0,0,0,1\n",
        b"time,acc_x,acc_y,acc_z\n0,nan,0,1\n",
        b"time,acc_x,acc_y,acc_z\n0,0,0,1\n0,0,0,1\n",
        b'time,acc_x,acc_y,acc_z\n0,"1\n2",0,1\n',
        b"\xff\xfe" + "time,acc_x,acc_y,acc_z\n0,0,0,1\n".encode("utf-16-le"),
    ],
    ids=lambda d: repr(d[:24]),
)
def test_classic_bad_csv(tmp_path: Path, data: bytes) -> None:
    """Empty, header only, BOM, wrong delimiter, blank line, time going back, NaN, UTF-16."""
    read_every_way(_write(tmp_path, data))


def test_whole_ppp_csv_reads_in_bounded_memory() -> None:
    """Sanity of the seed: the whole 4.6 MB real file reads within the memory bound."""
    with traced_peak() as peak:
        rec = read_recording(PPP_CSV)
    check_recording(rec)
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)


def test_long_line_memory_is_flat(tmp_path: Path) -> None:
    """A 24 MB line: refused by its number, memory within 4 blocks (64 MiB) (was 120 MiB: the
    line was carried whole and copied at every read)."""
    path = tmp_path / "long-line.csv"
    with path.open("wb") as fh:
        fh.write(b"time,acc_x,acc_y,acc_z\n0,0,0,1\n0.1,")
        fh.write(b"1" * (24 * 1024 * 1024))
    with traced_peak() as peak:
        result = clear(read_recording, path)
    assert peak.bytes < 4 * BLOCK_BYTES, mib(peak.bytes)
    assert isinstance(result, UnreadableFileError)
    assert f"line 3 is longer than {MAX_LINE_BYTES:,} bytes" in str(result)


def test_long_run_of_blank_lines_is_cheap(tmp_path: Path) -> None:
    """24 MB of newlines between two rows: refused (blank line) within 0.5 s of CPU (20 MB took
    68 s when the run was scanned byte by byte in Python and rescanned while it grew)."""
    path = tmp_path / "blank-lines.csv"
    with path.open("wb") as fh:
        fh.write(b"time,acc_x,acc_y,acc_z\n0,0,0,1\n")
        fh.write(b"\n" * (24 * 1024 * 1024))
        fh.write(b"1,0,0,1\n")
    with cpu_budget(0.5), traced_peak() as peak:
        result = clear(lambda: list(iter_recording(path)))
    assert isinstance(result, UnreadableFileError)
    assert "line 3 is empty" in str(result)
    assert peak.bytes < 4 * BLOCK_BYTES, mib(peak.bytes)


def test_long_run_of_trailing_blank_lines_is_dropped_cheaply(tmp_path: Path) -> None:
    """24 MB of newlines at the end of the file: dropped (trailing blank lines), within 0.5 s."""
    path = tmp_path / "trailing-blank-lines.csv"
    with path.open("wb") as fh:
        fh.write(b"time,acc_x,acc_y,acc_z\n0,0,0,1\n1,0,0,1\n")
        fh.write(b"\r\n \n\t" * (6 * 1024 * 1024))
    with cpu_budget(0.5), traced_peak() as peak:
        chunks = list(iter_recording(path))
    assert [c.n_samples for c in chunks] == [2]
    assert peak.bytes < 4 * BLOCK_BYTES, mib(peak.bytes)


@pytest.mark.parametrize(
    "times",
    [("0", "1e300"), ("-1e308", "1e308"), ("0", "1e24"), ("1e300", "1.0000000000000002e300")],
    ids=["1e300", "span", "1e24", "adjacent-floats"],
)
def test_huge_time_jump_streams_quickly(tmp_path: Path, times: tuple[str, str]) -> None:
    """Two rows far apart in time, streamed in 1 s chunks: two chunks, in O(log) steps (rechunk
    once stepped the window index one by one in float arithmetic and never ended)."""
    rows = "".join(f"{t},0,0,1\n" for t in times)
    path = _write(tmp_path, ("time,acc_x,acc_y,acc_z\n" + rows).encode())
    whole = read_recording(path)
    check_recording(whole)
    with cpu_budget(0.3):
        chunks = list(iter_recording(path, chunk_s=1.0))
    assert [c.n_samples for c in chunks] == [1, 1]
    for chunk in chunks:
        start = chunk.metadata["chunk_start_s"]
        assert start <= chunk.time_s[0]
    assert chunks[0].metadata["chunk_index"] < chunks[1].metadata["chunk_index"]
