"""GENEActiv .bin reader against scikit-digital-health's decoded arrays and GGIRread's test file.

Reference tolerances: time is exact (page times are whole milliseconds and the 50 Hz steps are
exact in the reference's 100-microsecond quantum); acceleration 5e-5 g, because the reference
``accel`` is rounded to 4 decimals (``accel * 1e4`` is integral) while the calibration
``(raw * 100 - offset) / gain`` is not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io import detect_format, iter_recording, read_recording
from dystonia.motion.io.batches import concatenate
from dystonia.motion.io.geneactiv import open_bin, page_time_s

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "device-files"
ACC_ATOL_G = 5e-5 + 1e-12
SKDH = "skdh_gnactv_sample.bin"
GGIR = "ggirread_GENEActiv_testfile.bin"


def test_reproduces_skdh_arrays() -> None:
    with np.load(DATA / "skdh_gnactv_data.npz") as npz:
        ref_time, ref_acc = npz["time"], npz["accel"]
    rec = read_recording(DATA / SKDH)
    assert detect_format(DATA / SKDH) == "bin"
    assert rec.n_samples == ref_time.size == 900
    np.testing.assert_array_equal(rec.time_s, ref_time)
    assert rec.acc_g is not None
    np.testing.assert_allclose(rec.acc_g, ref_acc, rtol=0, atol=ACC_ATOL_G)
    assert rec.gyro_dps is None
    assert rec.metadata["nominal_fs_hz"] == 50.0
    assert rec.metadata["calibration"]["gain"] == [25522.0, 25457.0, 24829.0]
    assert rec.metadata["skipped_blocks"] == [] and rec.metadata["gaps"] == []


def test_ggirread_file_is_sane_and_its_truncation_is_reported() -> None:
    rec = read_recording(DATA / GGIR)
    # the GGIRread test file is the first 64 KiB of a recording: 16 whole pages of 300 samples
    assert rec.n_samples == 16 * 300
    assert np.all(np.diff(rec.time_s) > 0)
    rate = 1.0 / np.median(np.diff(rec.time_s))
    assert rate == pytest.approx(85.7, rel=1e-3)
    assert rec.acc_g is not None
    assert 0.9 < np.median(np.linalg.norm(rec.acc_g, axis=1)) < 1.1
    assert rec.metadata["device_id"] == "012967"
    assert rec.metadata["pages_in_header"] == 222048
    (tail,) = rec.metadata["skipped_blocks"]
    assert tail["block"] == 16
    assert tail["reason"].startswith("file ends inside this page (data line has 2781 characters")
    assert "the header announces 222048 pages" in tail["reason"]
    # page times 2013-05-30 10:12:54.500 + k * 3.5 s (device clock read as UTC)
    assert rec.time_s[0] == 1369908774.5
    assert rec.time_s[300] == 1369908778.0


def test_page_time_parsing() -> None:
    assert page_time_s(b"2019-05-21 16:16:43:500") == 1558455403.5
    assert page_time_s(b"2013-6-1 7:05:40:7") == page_time_s(b"2013-06-01 07:05:40:700")
    assert page_time_s(b"2013-13-01 00:00:00:000") is None
    assert page_time_s(b"yesterday") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"2019-02-31 16:16:43:500", None),  # once read as 3 March
        (b"2019-02-29 00:00:00", None),
        (b"2020-02-29 00:00:00", 1582934400.0),
        (b"2019-04-31 00:00:00", None),
        (b"0000-05-21 16:16:43:500", None),  # once ValueError from calendar.timegm
        (b"0001-01-01 00:00:00", -62135596800.0),
        (b"9999-12-31 23:59:59:999", 253402300799.999),
        (b"2019-05-21 23:59:60", 1558483200.0),  # a leap second, as the device writes it
        (b"2019-05-21 24:00:00", None),
    ],
)
def test_page_time_is_a_calendar_date(text: bytes, expected: float | None) -> None:
    assert page_time_s(text) == expected


def _with_value(key: bytes, value: bytes, occurrence: int = 0) -> bytes:
    data = (DATA / SKDH).read_bytes()
    at = -1
    for _ in range(occurrence + 1):
        at = data.index(key + b":", at + 1)
    end = data.index(b"\n", at)
    return data[: at + len(key) + 1] + value + data[end:]


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (b"Sequence Number", b"99999999999999999999", "'Sequence Number' line: '9999"),
        (b"Sequence Number", b"9223372036854775808", "from 0 to 9223372036854775807"),
        (b"Sequence Number", b"-3", "'Sequence Number' line: '-3' is not a whole number"),
        (b"Page Time", b"2019-02-31 16:16:43:500", "'Page Time' line: '2019-02-31 16:16:43:500'"),
        (b"Page Time", b"0000-05-21 16:16:43:500", "'Page Time' line: '0000-05-21"),
        (b"Measurement Frequency", b"1e-300", "frequency 1e-300 Hz (allowed: 1 to 10000 Hz)"),
        (b"Measurement Frequency", b"0.5", "frequency 0.5 Hz"),
        (b"Measurement Frequency", b"fifty", "'Measurement Frequency' line: 'fifty' is not a"),
    ],
)
def test_damaged_page_fields_skip_the_page_by_name(
    tmp_path: Path, key: bytes, value: bytes, reason: str
) -> None:
    """The first page's field replaced (the header's own frequency line comes first)."""
    occurrence = 1 if key == b"Measurement Frequency" else 0
    path = tmp_path / "page.bin"
    path.write_bytes(_with_value(key, value, occurrence))
    rec = read_recording(path)
    (skipped,) = rec.metadata["skipped_blocks"]
    assert skipped["block"] == 0 and reason in skipped["reason"], skipped["reason"]
    assert rec.n_samples == 600


def test_largest_sequence_number_is_read(tmp_path: Path) -> None:
    path = tmp_path / "page.bin"
    path.write_bytes(_with_value(b"Sequence Number", b"9223372036854775807", 2))
    rec = read_recording(path)
    assert rec.n_samples == 900 and not rec.metadata["skipped_blocks"]
    assert (
        "sequence number jumps from 1 to 9223372036854775807" in rec.metadata["gaps"][0]["reason"]
    )


def test_no_valid_page_names_the_first_problem(tmp_path: Path) -> None:
    data = (DATA / SKDH).read_bytes().replace(b"Page Time:2019-05-21", b"Page Time:2019-02-31")
    path = tmp_path / "bad.bin"
    path.write_bytes(data)
    with pytest.raises(
        UnreadableFileError,
        match=r"no valid data page among 3 pages \(page 0: damaged 'Page Time' line: '2019-02-31",
    ):
        read_recording(path)


@pytest.mark.parametrize(
    ("value", "announced"),
    [(b"3", 3), (b" 17 ", 17), (b"\xb3", -1), (b"1\xb2", -1), (b"\xd9\xa3", -1), (b"9" * 19, -1)],
)
def test_page_count_takes_ascii_digits_only(tmp_path: Path, value: bytes, announced: int) -> None:
    """'³' (latin-1) passed str.isdigit and made int() raise ValueError."""
    path = tmp_path / "pages.bin"
    path.write_bytes(_with_value(b"Number of Pages", value))
    rec = read_recording(path)
    assert rec.metadata["pages_in_header"] == announced


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (b"x offset", b"9" * 400, "header 'x offset' is '99999.*beyond the float range"),
        (b"x gain", b"9" * 400, "header 'x gain' is '99999.*beyond the float range"),
        (b"Measurement Frequency", b"9" * 400, "header 'Measurement Frequency' is '9999"),
        (b"z gain", b"0." + b"0" * 310 + b"1", "calibration z gain 1e-311 and z offset 101.0"),
        (b"y gain", b"0.0000000001", None),  # finite: 2e15 g, refused by nothing but physics
    ],
)
def test_calibration_must_give_finite_values(
    tmp_path: Path, key: bytes, value: bytes, reason: str | None
) -> None:
    """A 400-digit calibration value was accepted: infinite or all-zero acceleration."""
    path = tmp_path / "cal.bin"
    path.write_bytes(_with_value(key, value))
    if reason is None:
        rec = read_recording(path)
        assert rec.acc_g is not None and np.isfinite(rec.acc_g).all()
        return
    with pytest.raises(UnreadableFileError, match=reason):
        read_recording(path)


def _pages(data: bytes) -> list[int]:
    out, at = [], data.find(b"Recorded Data")
    while at >= 0:
        out.append(at)
        at = data.find(b"Recorded Data", at + 1)
    return out


def test_damaged_page_is_skipped_and_gap_reported(tmp_path: Path) -> None:
    data = bytearray((DATA / SKDH).read_bytes())
    second = _pages(bytes(data))[1]
    hex_at = data.find(b"Measurement Frequency:", second)
    hex_at = data.find(b"\n", hex_at) + 1
    data[hex_at + 100] = ord("Z")
    path = tmp_path / "bad.bin"
    path.write_bytes(bytes(data))
    rec = read_recording(path)
    assert rec.n_samples == 600
    (skipped,) = rec.metadata["skipped_blocks"]
    assert skipped["block"] == 1 and "non-hexadecimal" in skipped["reason"]
    (gap,) = rec.metadata["gaps"]
    assert gap["reason"] == "1 damaged page skipped (page 1)"
    whole = read_recording(DATA / SKDH)
    np.testing.assert_array_equal(rec.acc_g[:300], whole.acc_g[:300])  # type: ignore[index]
    np.testing.assert_array_equal(rec.acc_g[300:], whole.acc_g[600:])  # type: ignore[index]


def test_damaged_page_time_line(tmp_path: Path) -> None:
    data = (DATA / SKDH).read_bytes().replace(b"Page Time:2019-05-21 16:16:50:000", b"Page Time:??")
    path = tmp_path / "bad.bin"
    path.write_bytes(data)
    rec = read_recording(path)
    assert rec.metadata["skipped_blocks"][0]["reason"] == (
        "damaged 'Page Time' line: '??' is not a calendar date and time "
        "(YYYY-MM-DD hh:mm:ss:mmm, years 1-9999)"
    )


def test_page_time_going_back_is_unreadable(tmp_path: Path) -> None:
    data = (DATA / SKDH).read_bytes().replace(b"16:16:56:000", b"16:16:45:000")
    path = tmp_path / "back.bin"
    path.write_bytes(data)
    with pytest.raises(UnreadableFileError, match=r"page 2 \(sequence 2\): page time goes back"):
        read_recording(path)


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (0, "empty file"),
        (10, "file ends inside the header"),
        (1000, "file ends inside the header"),
    ],
)
def test_truncated_header(tmp_path: Path, cut: int, reason: str) -> None:
    path = tmp_path / "cut.bin"
    path.write_bytes((DATA / SKDH).read_bytes()[:cut])
    with pytest.raises(UnreadableFileError, match=reason):
        read_recording(path, format="bin")


def test_truncated_inside_first_page_is_unreadable(tmp_path: Path) -> None:
    data = (DATA / SKDH).read_bytes()
    path = tmp_path / "cut.bin"
    path.write_bytes(data[: _pages(data)[0] + 500])
    with pytest.raises(UnreadableFileError, match="no valid data page among 1 pages"):
        read_recording(path)


def test_truncated_mid_page_keeps_whole_pages(tmp_path: Path) -> None:
    data = (DATA / SKDH).read_bytes()
    path = tmp_path / "cut.bin"
    path.write_bytes(data[: _pages(data)[2] + 700])
    rec = read_recording(path)
    assert rec.n_samples == 600
    (tail,) = rec.metadata["skipped_blocks"]
    assert tail["block"] == 2 and tail["reason"].startswith("file ends inside this page")


def test_missing_calibration_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "nocal.bin"
    path.write_bytes((DATA / SKDH).read_bytes().replace(b"y gain:25457", b"y gain:0"))
    with pytest.raises(UnreadableFileError, match="calibration 'y gain' is 0"):
        read_recording(path)
    path.write_bytes((DATA / SKDH).read_bytes().replace(b"z offset:", b"z offst:"))
    with pytest.raises(UnreadableFileError, match="header has no 'z offset' line"):
        read_recording(path)


@pytest.mark.parametrize("batch_bytes", [1000, 5000, 20000])
def test_batch_size_does_not_change_the_result(batch_bytes: int) -> None:
    whole = concatenate(open_bin(DATA / GGIR))
    small = concatenate(open_bin(DATA / GGIR, batch_bytes=batch_bytes))
    np.testing.assert_array_equal(small.time_s, whole.time_s)
    np.testing.assert_array_equal(small.acc_g, whole.acc_g)
    assert small.metadata["skipped_blocks"] == whole.metadata["skipped_blocks"]


def test_streaming_chunks() -> None:
    whole = read_recording(DATA / GGIR)
    chunks = list(iter_recording(DATA / GGIR, chunk_s=10.0))
    assert len(chunks) == 6
    np.testing.assert_array_equal(np.concatenate([c.time_s for c in chunks]), whole.time_s)
    assert chunks[-1].metadata["skipped_blocks"] == whole.metadata["skipped_blocks"]


def test_wrong_magic(tmp_path: Path) -> None:
    path = tmp_path / "rec.bin"
    path.write_bytes(b"Matrix BIN\x00\x01\x02" * 100)
    with pytest.raises(UnreadableFileError, match="extension '.bin' says a GENEActiv"):
        read_recording(path)
    with pytest.raises(UnreadableFileError, match="no 'Device Identity' header"):
        read_recording(path, format="bin")
