"""Fuzz the GENEActiv ``.bin`` reader with mutations of the real files.

Seeds: ``skdh_gnactv_sample.bin`` (LF line ends, 3 pages) and ``ggirread_GENEActiv_testfile.bin``
(CRLF, 17 pages of a header that announces 222,048). Mutations: header values replaced
(calibration gains and offsets, frequency, page count), page fields replaced (sequence number,
page time, frequency, data line), truncation near every page marker, bit flips, line-ending
changes, random bytes behind a valid ``Device Identity`` header.

The values of the once-known defects (sequence numbers beyond int64, page times in year 0,
impossible calendar days, calibration values that overflow a float, page counts in Unicode
digits, page frequencies of 1e-300 Hz) are generated again; each also has its own test below.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io import iter_recording, read_recording
from dystonia.motion.recording import Recording

from ._common import MEMORY_BOUND_BYTES, clear, cpu_budget, fuzz_settings, mib, traced_peak
from ._motion import check_recording, read_every_way, shared_file

SEEDS = {
    "skdh": shared_file("device-files", "skdh_gnactv_sample.bin").read_bytes(),
    "ggirread": shared_file("device-files", "ggirread_GENEActiv_testfile.bin").read_bytes()[:20000],
}
_MARKER = b"Recorded Data"


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "fuzz.bin"
    path.write_bytes(data)
    return path


def _set_value(data: bytes, key: bytes, value: bytes, *, occurrence: int = 0) -> bytes:
    """Replace the value of the ``occurrence``-th ``key:value`` line (keeps the line end)."""
    matches = list(re.finditer(re.escape(key) + rb":([^\r\n]*)", data))
    if not matches:
        return data
    m = matches[occurrence % len(matches)]
    return data[: m.start(1)] + value + data[m.end(1) :]


_numbers = st.one_of(
    st.integers(-(10**12), 10**12).map(lambda n: str(n).encode()),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: repr(f).encode()),
    st.sampled_from(
        [
            b"",
            b" ",
            b"0",
            b"-0",
            b"nan",
            b"inf",
            b"1e308",
            b"0x10",
            b"1_000",
            b"\x00",
            b"50 Hz",
            b"+",
            b".",
            b"1e-300",
            b"9" * 400,
            b"99999999999999999999",
            b"9223372036854775808",
            b"\xb3",
            b"1\xb2",
            b"\xd9\xa3",
        ]
    ),
)
_HEADER_KEYS = [
    b"x gain", b"y gain", b"z gain", b"x offset", b"y offset", b"z offset",
    b"Measurement Frequency", b"Number of Pages", b"Device Model", b"Time Zone",
]  # fmt: skip
_PAGE_KEYS = [b"Sequence Number", b"Measurement Frequency", b"Temperature", b"Battery voltage"]


@st.composite
def page_time(draw: st.DrawFn) -> bytes:
    """Page times, plausible or not (years 0000-9999, days and months 0-99)."""
    year = draw(st.integers(0, 9999))
    parts = [draw(st.integers(0, 99)) for _ in range(5)]
    millis = draw(st.none() | st.integers(0, 999))
    text = f"{year:04d}-{parts[0]}-{parts[1]} {parts[2]}:{parts[3]}:{parts[4]}"
    return (text + ("" if millis is None else f":{millis}")).encode()


@fuzz_settings(25)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(
        st.tuples(st.sampled_from(_HEADER_KEYS + _PAGE_KEYS), _numbers, st.integers(0, 20)),
        min_size=1,
        max_size=4,
    ),
    times=st.lists(st.tuples(page_time(), st.integers(0, 20)), max_size=2),
)
def test_header_and_page_values(
    tmp_path: Path,
    seed: str,
    edits: list[tuple[bytes, bytes, int]],
    times: list[tuple[bytes, int]],
) -> None:
    """Calibration, frequencies, page counts, sequence numbers and page times replaced."""
    data = SEEDS[seed]
    for key, value, occurrence in edits:
        data = _set_value(data, key, value, occurrence=occurrence)
    for value, occurrence in times:
        data = _set_value(data, b"Page Time", value, occurrence=occurrence)
    read_every_way(_write(tmp_path, data))


@fuzz_settings(25)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    page=st.integers(0, 20),
    delta=st.integers(-4, 40) | st.sampled_from([200, 1000, 3000, 3700]),
)
def test_truncation_near_page_markers(tmp_path: Path, seed: str, page: int, delta: int) -> None:
    """Cut the file just before, inside or after a page's marker, fields or data line."""
    data = SEEDS[seed]
    marks = [m.start() for m in re.finditer(_MARKER, data)]
    cut = max(1, min(len(data), marks[page % len(marks)] + delta))
    read_every_way(_write(tmp_path, data[:cut]))


@fuzz_settings(25)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    flips=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), min_size=1, max_size=8),
    crlf=st.sampled_from(["keep", "lf", "crlf", "cr"]),
)
def test_byte_writes_and_line_ends(
    tmp_path: Path, seed: str, flips: list[tuple[int, int]], crlf: str
) -> None:
    """Random byte writes (header, fields, hex data), and every line-ending convention."""
    data = SEEDS[seed].replace(b"\r\n", b"\n")
    if crlf == "keep":
        data = SEEDS[seed]
    elif crlf == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif crlf == "cr":
        data = data.replace(b"\n", b"\r")
    raw = bytearray(data)
    for position, value in flips:
        raw[position % len(raw)] = value
    read_every_way(_write(tmp_path, bytes(raw)))


@fuzz_settings(20)
@given(
    body=st.binary(max_size=3000),
    pages=st.integers(0, 3),
    hexline=st.sampled_from([b"", b"0" * 3600, b"G" * 3600, b"0" * 3599, b"f" * 3601]),
)
def test_random_bytes_behind_the_magic(
    tmp_path: Path, body: bytes, pages: int, hexline: bytes
) -> None:
    """``Device Identity`` + random bytes, optionally with page markers and data lines."""
    data = b"Device Identity\n" + body + (b"\nRecorded Data\n" + hexline + b"\n") * pages
    read_every_way(_write(tmp_path, data))


def test_seeds_read(tmp_path: Path) -> None:
    """Sanity: the trimmed seeds are readable (the property tests start from valid files)."""
    for data in SEEDS.values():
        check_recording(read_recording(_write(tmp_path, data)))


def test_huge_page_without_markers_is_bounded(tmp_path: Path) -> None:
    """A 40 MB data line with no further page marker: refused, memory bounded."""
    data = SEEDS["skdh"][: SEEDS["skdh"].find(_MARKER) + 200] + b"0" * (40 * 1024 * 1024)
    path = _write(tmp_path, data)
    with traced_peak() as peak:
        result = clear(read_recording, path)
    assert isinstance(result, UnreadableFileError)
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)


def test_pages_announced_in_the_header_do_not_allocate(tmp_path: Path) -> None:
    """``Number of Pages`` claiming 10**12 pages (3.6e14 samples) allocates nothing for them."""
    data = _set_value(SEEDS["skdh"], b"Number of Pages", b"1000000000000")
    with traced_peak() as peak:
        rec = read_recording(_write(tmp_path, data))
    check_recording(rec)
    assert peak.bytes < MEMORY_BOUND_BYTES, mib(peak.bytes)


@pytest.mark.parametrize("value", [b"99999999999999999999", b"9223372036854775808", b"-1"])
def test_sequence_number_beyond_int64_is_a_clear_error(tmp_path: Path, value: bytes) -> None:
    """Once OverflowError in geneactiv._decode; now the page is skipped, the value named."""
    data = _set_value(SEEDS["skdh"], b"Sequence Number", value)
    rec = read_every_way(_write(tmp_path, data))
    assert isinstance(rec, Recording)
    reason = rec.metadata["skipped_blocks"][0]["reason"]
    assert reason.startswith(f"damaged 'Sequence Number' line: {value.decode()!r}"), reason


def test_page_time_in_year_zero_is_a_clear_error(tmp_path: Path) -> None:
    """Once ValueError from calendar.timegm; now the page is skipped, the value named."""
    data = _set_value(SEEDS["skdh"], b"Page Time", b"0000-05-21 16:16:43:500")
    rec = read_every_way(_write(tmp_path, data))
    assert isinstance(rec, Recording)
    reason = rec.metadata["skipped_blocks"][0]["reason"]
    assert reason.startswith("damaged 'Page Time' line: '0000-05-21 16:16:43:500'"), reason


@pytest.mark.parametrize("key", [b"x offset", b"x gain", b"Measurement Frequency"])
def test_overflowing_calibration_is_refused(tmp_path: Path, key: bytes) -> None:
    """A 400-digit header number (once: non-finite or all-zero acceleration returned)."""
    data = _set_value(SEEDS["skdh"], key, b"9" * 400)
    with pytest.raises(UnreadableFileError, match=f"header '{key.decode()}' is '9999.*float range"):
        read_recording(_write(tmp_path, data))


@pytest.mark.parametrize(
    ("gain", "offset", "refused"),
    [
        (b"0." + b"0" * 310 + b"1", b"0", True),  # 1e-311: 2047 * 100 / gain overflows
        (b"0.0000000001", b"9" * 300, True),  # offset / gain overflows
        (b"1" + b"0" * 300, b"0", False),  # tiny but distinct values: read
    ],
    ids=["subnormal-gain", "huge-offset-small-gain", "huge-gain"],
)
def test_degenerate_calibration_is_refused(
    tmp_path: Path, gain: bytes, offset: bytes, refused: bool
) -> None:
    """Finite calibration values whose calibrated range is not finite are refused by name."""
    data = _set_value(_set_value(SEEDS["skdh"], b"y gain", gain), b"y offset", offset)
    result = clear(read_recording, _write(tmp_path, data))
    if refused:
        assert isinstance(result, UnreadableFileError)
        assert "header calibration y gain" in str(result), str(result)
    else:
        assert isinstance(result, Recording)
        check_recording(result)
        assert np.ptp(result.acc_g[:, 1]) > 0  # type: ignore[index]


def test_impossible_page_day_is_refused(tmp_path: Path) -> None:
    """2019-02-31 was silently read as 3 March; now the page is skipped, the value named."""
    data = SEEDS["skdh"]
    first = data.find(b"Page Time:")
    data = data[:first] + data[first:].replace(b"2019-05-21", b"2019-02-31", 1)
    rec = read_recording(_write(tmp_path, data))
    skipped = rec.metadata["skipped_blocks"]
    assert [s["block"] for s in skipped] == [0]
    assert skipped[0]["reason"].startswith("damaged 'Page Time' line: '2019-02-31 16:16:43:500'")
    assert rec.n_samples == 600


def test_tiny_page_frequency_streams_quickly(tmp_path: Path) -> None:
    """A page 'Measurement Frequency' of 1e-300 Hz (sample times at 3e302 s, which hung
    batches.rechunk): the page is skipped as impossible, and streaming is quick."""
    data = _set_value(SEEDS["skdh"], b"Measurement Frequency", b"1e-300", occurrence=2)
    path = _write(tmp_path, data)
    with cpu_budget(0.3):
        chunks = clear(lambda: list(iter_recording(path, chunk_s=1.0)))
    assert isinstance(chunks, list)
    reasons = [s["reason"] for c in chunks for s in c.metadata["skipped_blocks"]]
    assert reasons == ["impossible measurement frequency 1e-300 Hz (allowed: 1 to 10000 Hz)"]


@pytest.mark.parametrize("value", [b"\xb3", b"1\xb2", b"\xd9\xa3", b"9" * 5000])
def test_non_ascii_page_count_is_not_a_crash(tmp_path: Path, value: bytes) -> None:
    """'Number of Pages' of '³' (latin-1) once raised ValueError: str.isdigit accepts it, int()
    does not. Only ASCII digits (at most 18) count; anything else is an unknown count."""
    data = _set_value(SEEDS["skdh"], b"Number of Pages", value)
    rec = read_every_way(_write(tmp_path, data))
    assert isinstance(rec, Recording)
    assert rec.metadata["pages_in_header"] == -1
