"""Axivity .cwa reader against scikit-digital-health's decoded arrays and GGIRread's test files.

Reference tolerances (why they are what they are):

* time, skdh-compatible mode (``fractional_time=False``): 51 microseconds. The ``time`` arrays in
  ``skdh_*_data.npz`` are quantised to 100 microseconds (``time * 1e4`` is integral), so an exact
  decoder is off by at most half a quantum (50 us) plus the float64 spacing at 1.6e9 s (0.24 us).
* time, default mode (Open Movement fractional timestamps): skdh ignores the 1/32768 s fraction
  of the block timestamps and so runs early by less than one sample period; we check
  ``0 <= ours - skdh < 1/fs`` (within the same 51 us).
* accelerometer: AX3 exact; AX6 5e-7 g, because the reference is rounded to 6 decimals.
* gyroscope: 5e-7 deg/s + 2**-23 relative, because the reference went through float32
  (one float32 ulp, 6.1e-5 deg/s at 768 deg/s) before 6-decimal rounding.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io import detect_format, iter_recording, read_recording
from dystonia.motion.io.axivity import BLOCK_DTYPE, decode_timestamps, open_cwa
from dystonia.motion.io.batches import concatenate
from dystonia.motion.recording import Recording

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "device-files"
TIME_ATOL_S = 51e-6
ACC_ATOL_G = 5e-7 + 1e-12
GYRO_ATOL_DPS = 5e-7 + 1e-12
GYRO_RTOL = 2.0**-23
CORRUPT = "ggirread_ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa"


def _reference(name: str) -> dict[str, np.ndarray]:
    with np.load(DATA / name) as npz:
        return {k: npz[k] for k in npz.files}


def _assert_sane(rec: Recording, *, fs_hz: float, gyro: bool) -> None:
    assert rec.n_samples > 1000
    assert np.all(np.diff(rec.time_s) > 0)
    assert 1.5e9 < rec.time_s[0] < 1.8e9  # 2017-2027: a plausible device clock
    rate = 1.0 / np.median(np.diff(rec.time_s))
    assert abs(rate - fs_hz) / fs_hz < 0.02
    assert rec.acc_g is not None and np.all(np.isfinite(rec.acc_g))
    assert 0.9 < np.median(np.linalg.norm(rec.acc_g, axis=1)) < 1.1
    assert (rec.gyro_dps is not None) == gyro
    if rec.gyro_dps is not None:
        assert np.all(np.isfinite(rec.gyro_dps)) and rec.gyro_dps.shape == rec.acc_g.shape


@pytest.mark.parametrize(
    ("name", "reference", "fs_hz"),
    [
        ("skdh_ax3_sample.cwa", "skdh_ax3_data.npz", 200.0),
        ("skdh_ax6_sample.cwa", "skdh_ax6_data.npz", 100.0),
    ],
)
def test_reproduces_skdh_arrays(name: str, reference: str, fs_hz: float) -> None:
    ref = _reference(reference)
    rec = concatenate(open_cwa(DATA / name, fractional_time=False))
    assert rec.n_samples == ref["time"].size
    assert rec.metadata["nominal_fs_hz"] == float(ref["fs"][0]) == fs_hz
    np.testing.assert_allclose(rec.time_s, ref["time"], rtol=0, atol=TIME_ATOL_S)
    assert rec.acc_g is not None
    if "gyro" in ref:
        np.testing.assert_allclose(rec.acc_g, ref["accel"], rtol=0, atol=ACC_ATOL_G)
        assert rec.gyro_dps is not None
        np.testing.assert_allclose(rec.gyro_dps, ref["gyro"], rtol=GYRO_RTOL, atol=GYRO_ATOL_DPS)
    else:
        np.testing.assert_array_equal(rec.acc_g, ref["accel"])
        assert rec.gyro_dps is None

    default = read_recording(DATA / name)
    np.testing.assert_array_equal(default.acc_g, rec.acc_g)
    lead_s = default.time_s - ref["time"]
    assert lead_s.min() >= -TIME_ATOL_S
    assert lead_s.max() < 1.0 / fs_hz + TIME_ATOL_S


def test_fractional_timestamps_make_blocks_continuous() -> None:
    """The Open Movement fraction is the better clock: block starts meet previous block ends."""
    raw = (DATA / "paradigma_ax6_test_data.CWA").read_bytes()[1024:]
    blocks = np.frombuffer(raw, dtype=BLOCK_DTYPE)
    fs_hz = 100.0
    whole_s, valid = decode_timestamps(blocks["timestamp"])
    assert valid.all()
    offset = blocks["timestamp_offset"].astype(np.int64)
    count = blocks["sample_count"]
    fraction = (blocks["device_fractional"].astype(np.int64) & 0x7FFF) << 1
    jitter_s = {}
    for use in (False, True):
        stamp = whole_s + (fraction / 65536 if use else 0.0)
        off = offset + ((fraction * int(fs_hz)) >> 16 if use else 0)
        start = stamp - off / fs_hz
        jitter_s[use] = np.std(start[1:] - (start[:-1] + count[:-1] / fs_hz))
    assert jitter_s[True] < 0.2 * jitter_s[False]


@pytest.mark.parametrize(
    ("name", "fs_hz", "gyro", "device"),
    [
        ("ggirread_ax3_testfile.cwa", 100.0, False, "Axivity AX3"),
        ("ggirread_ax6_testfile.cwa", 100.0, True, "Axivity AX6"),
        ("paradigma_ax6_test_data.CWA", 100.0, True, "Axivity AX6"),
        ("skdh_ax3_sample.cwa", 200.0, False, "Axivity AX3"),
        ("skdh_ax6_sample.cwa", 100.0, True, "Axivity AX6"),
    ],
)
def test_real_files_are_sane(name: str, fs_hz: float, gyro: bool, device: str) -> None:
    assert detect_format(DATA / name) == "cwa"
    rec = read_recording(DATA / name)
    _assert_sane(rec, fs_hz=fs_hz, gyro=gyro)
    assert rec.format == "cwa" and rec.source == name
    assert rec.metadata["device"] == device
    assert rec.metadata["skipped_blocks"] == [] and rec.metadata["gaps"] == []
    assert rec.n_samples == rec.metadata["data_blocks"] * rec.metadata["samples_per_block"]


def test_known_values_of_ggirread_files() -> None:
    """GGIRread's own expectations that do not depend on its resampling."""
    ax6 = read_recording(DATA / "ggirread_ax6_testfile.cwa")
    assert ax6.metadata["device_id"] == 6011834
    assert ax6.metadata["gyro_range_dps"] == 250.0
    ax3 = read_recording(DATA / "ggirread_ax3_testfile.cwa")
    assert ax3.metadata["device_id"] == 39434
    # GGIRread's test reads this file as Europe/Berlin time (UTC+1 in February) and expects its
    # 5th sample at 1551174906.040 s UTC; we read the device clock as UTC, one hour later.
    assert ax3.time_s[4] - 3600.0 == pytest.approx(1551174906.040, abs=2e-3)


def test_corrupt_blocks_are_skipped_and_reported_never_filled() -> None:
    clean = read_recording(DATA / "ggirread_ax3_testfile.cwa")
    rec = read_recording(DATA / CORRUPT)
    skipped = rec.metadata["skipped_blocks"]
    assert [s["block"] for s in skipped] == [0, 13, 14, 142, 143, 144]
    assert all(s["reason"] == "checksum mismatch" for s in skipped)
    assert [s["byte_offset"] for s in skipped][:2] == [1024, 1024 + 13 * 512]
    (gap,) = rec.metadata["gaps"]
    assert gap["reason"] == "2 damaged blocks skipped (blocks 13-14)"
    # two blocks of 120 samples plus one sample period, at this device's real 98.8 Hz
    assert gap["duration_s"] == pytest.approx((2 * 120 + 1) / 98.8, abs=0.02)

    keep = np.ones(145, dtype=bool)
    keep[[0, 13, 14, 142, 143, 144]] = False
    per_block = 120
    expected = clean.acc_g.reshape(145, per_block, 3)[keep].reshape(-1, 3)  # type: ignore[union-attr]
    np.testing.assert_array_equal(rec.acc_g, expected)  # no zeros, no interpolation
    clean_time = clean.time_s.reshape(145, per_block)[keep].reshape(-1)
    np.testing.assert_allclose(rec.time_s, clean_time, rtol=0, atol=0.02)
    assert np.all(np.diff(rec.time_s) > 0)


def test_streaming_equals_whole_file_and_spreads_the_reports() -> None:
    whole = read_recording(DATA / CORRUPT)
    chunks = list(iter_recording(DATA / CORRUPT, chunk_s=20.0))
    assert len(chunks) > 5
    np.testing.assert_array_equal(np.concatenate([c.time_s for c in chunks]), whole.time_s)
    np.testing.assert_array_equal(np.concatenate([c.acc_g for c in chunks]), whole.acc_g)
    blocks = [s["block"] for c in chunks for s in c.metadata["skipped_blocks"]]
    assert blocks == [0, 13, 14, 142, 143, 144]
    assert chunks[0].metadata["skipped_blocks"][0]["block"] == 0
    assert [s["block"] for s in chunks[-1].metadata["skipped_blocks"]] == [142, 143, 144]
    assert sum(len(c.metadata["gaps"]) for c in chunks) == 1


@pytest.mark.parametrize("blocks_per_batch", [1, 7, 64])
def test_batch_size_does_not_change_the_result(blocks_per_batch: int) -> None:
    for name in ("ggirread_ax6_testfile.cwa", CORRUPT):
        whole = concatenate(open_cwa(DATA / name))
        small = concatenate(open_cwa(DATA / name, blocks_per_batch=blocks_per_batch))
        np.testing.assert_array_equal(small.time_s, whole.time_s)
        np.testing.assert_array_equal(small.acc_g, whole.acc_g)
        assert small.metadata["skipped_blocks"] == whole.metadata["skipped_blocks"]
        assert small.metadata["gaps"] == whole.metadata["gaps"]


def _copy(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _fix_checksum(block: bytearray) -> None:
    block[510:512] = b"\x00\x00"
    total = int(np.frombuffer(bytes(block), dtype="<u2").sum(dtype=np.uint64)) & 0xFFFF
    block[510:512] = ((-total) & 0xFFFF).to_bytes(2, "little")


def _edit_block(data: bytes, index: int, offset: int, value: bytes) -> bytes:
    out = bytearray(data)
    start = 1024 + index * 512
    block = bytearray(out[start : start + 512])
    block[offset : offset + len(value)] = value
    _fix_checksum(block)
    out[start : start + 512] = block
    return bytes(out)


def test_truncated_mid_block_reads_whole_blocks_and_reports_the_tail(tmp_path: Path) -> None:
    data = (DATA / "ggirread_ax6_testfile.cwa").read_bytes()
    path = _copy(tmp_path, "cut.cwa", data[: 1024 + 100 * 512 + 300])
    rec = read_recording(path)
    assert rec.n_samples == 100 * 40
    (tail,) = rec.metadata["skipped_blocks"]
    assert tail == {
        "block": 100,
        "byte_offset": 1024 + 100 * 512,
        "reason": "file ends inside this block (300 of 512 bytes)",
    }
    full = read_recording(DATA / "ggirread_ax6_testfile.cwa")
    np.testing.assert_array_equal(rec.time_s, full.time_s[: 100 * 40])


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (0, "empty file"),
        (1, "no 'MD' header packet"),
        (600, "file ends inside the 1024-byte header"),
        (1024, "no data blocks: the file has none"),
        (1024 + 200, "ends inside the first data block (200 of 512 bytes)"),
    ],
)
def test_truncated_before_any_data(tmp_path: Path, cut: int, reason: str) -> None:
    data = (DATA / "skdh_ax3_sample.cwa").read_bytes()
    path = _copy(tmp_path, "cut.cwa", data[:cut])
    with pytest.raises(UnreadableFileError, match=re.escape(reason)):
        read_recording(path, format="cwa" if cut < 2 else "auto")


def test_all_blocks_corrupt_is_unreadable(tmp_path: Path) -> None:
    data = bytearray((DATA / "skdh_ax6_sample.cwa").read_bytes())
    for start in range(1024 + 40, len(data), 512):
        data[start] ^= 0x55  # one flipped byte per block breaks every checksum
    with pytest.raises(UnreadableFileError, match="no valid data block: all 259 blocks"):
        read_recording(_copy(tmp_path, "bad.cwa", bytes(data)))


def test_block_of_another_session_is_skipped(tmp_path: Path) -> None:
    data = (DATA / "ggirread_ax6_testfile.cwa").read_bytes()
    data = _edit_block(data, 10, 6, (12345).to_bytes(4, "little"))
    rec = read_recording(_copy(tmp_path, "mixed.cwa", data))
    (skipped,) = rec.metadata["skipped_blocks"]
    assert skipped["block"] == 10 and "another recording session" in skipped["reason"]
    assert rec.metadata["gaps"][0]["reason"] == "1 damaged block skipped (block 10)"


def test_clock_going_backwards_is_unreadable(tmp_path: Path) -> None:
    data = (DATA / "ggirread_ax6_testfile.cwa").read_bytes()
    blocks = np.frombuffer(data[1024:], dtype=BLOCK_DTYPE)
    earlier = int(blocks["timestamp"][50]) - 30  # 30 s earlier (seconds field; stays valid)
    if int(blocks["timestamp"][50]) & 0x3F < 30:
        earlier = int(blocks["timestamp"][50]) - (1 << 6) + 30  # one minute earlier, +30 s
    path = _copy(tmp_path, "clock.cwa", _edit_block(data, 50, 14, earlier.to_bytes(4, "little")))
    with pytest.raises(UnreadableFileError, match=r"block 50: device time goes back by"):
        read_recording(path)


def test_decode_timestamps_calendar() -> None:
    def pack(y: int, mo: int, d: int, h: int, mi: int, s: int) -> int:
        return ((y - 2000) << 26) | (mo << 22) | (d << 17) | (h << 12) | (mi << 6) | s

    stamps = np.array(
        [pack(2019, 2, 26, 9, 55, 6), pack(2024, 2, 29, 23, 59, 59), pack(2000, 1, 1, 0, 0, 0), 0],
        dtype=np.uint32,
    )
    seconds, valid = decode_timestamps(stamps)
    assert seconds[:3].tolist() == [1551174906, 1709251199, 946684800]
    assert valid.tolist() == [True, True, True, False]
    bad = np.array([pack(2020, 13, 1, 0, 0, 0), pack(2020, 1, 0, 0, 0, 0)], dtype=np.uint32)
    assert not decode_timestamps(bad)[1].any()


def test_wrong_extension_and_magic(tmp_path: Path) -> None:
    csv = _copy(tmp_path, "rec.cwa", b"time,acc_x,acc_y,acc_z\n0,0,0,1\n")
    with pytest.raises(UnreadableFileError, match="extension '.cwa' says an Axivity"):
        read_recording(csv)
    with pytest.raises(UnreadableFileError, match="no 'MD' header packet"):
        read_recording(csv, format="cwa")
    renamed = _copy(tmp_path, "rec.bin", (DATA / "skdh_ax3_sample.cwa").read_bytes())
    with pytest.raises(UnreadableFileError, match="it looks like an Axivity .cwa file"):
        read_recording(renamed)
    assert read_recording(renamed, format="cwa").n_samples == 58800
    noext = _copy(tmp_path, "rec", (DATA / "skdh_ax3_sample.cwa").read_bytes())
    assert detect_format(noext) == "cwa"


def test_random_bytes_are_unreadable(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    path = _copy(tmp_path, "noise.cwa", rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(UnreadableFileError):
        read_recording(path)
    with pytest.raises(UnreadableFileError):
        read_recording(path, format="cwa")


def test_impossible_sample_count_in_every_block_is_unreadable(tmp_path: Path) -> None:
    # the blocks pass the checksum and header checks that choose the layout, then all fail
    # the sample-count check: nothing is left to read, which must be an error, not 0 samples
    data = (DATA / "ggirread_ax6_testfile.cwa").read_bytes()
    offset = BLOCK_DTYPE.fields["sample_count"][1]
    for index in range((len(data) - 1024) // 512):
        data = _edit_block(data, index, offset, b"\xff\xff")
    path = _copy(tmp_path, "counts.cwa", data)
    with pytest.raises(UnreadableFileError, match=r"no valid data block.*impossible sample count"):
        read_recording(path)
