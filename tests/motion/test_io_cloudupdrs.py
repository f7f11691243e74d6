"""CloudUPDRS smartphone CSV: tremor-task files read in g, other CloudUPDRS files rejected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dystonia.exceptions import UnreadableFileError
from dystonia.motion.io import detect_format, iter_recording, read_recording
from dystonia.motion.io.cloudupdrs import STANDARD_GRAVITY_M_S2

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "cloudupdrs"
TASK_FILES = sorted(DATA.glob("*/T_-_*.csv"))
TAPPING_FILES = sorted(DATA.glob("*/FT_-_*.csv"))


def test_the_data_are_there() -> None:
    assert len(TASK_FILES) == 13 and len(TAPPING_FILES) == 8


@pytest.mark.parametrize("path", TASK_FILES, ids=lambda p: p.name[:48])
def test_task_files_read_in_g_with_exact_values(path: Path) -> None:
    assert detect_format(path) == "cloudupdrs"
    rec = read_recording(path)
    raw = np.loadtxt(path, delimiter=",")
    assert rec.format == "cloudupdrs" and rec.gyro_dps is None
    np.testing.assert_array_equal(rec.time_s, raw[:, 0] / 1e9)
    np.testing.assert_array_equal(rec.acc_g, raw[:, 1:4] / STANDARD_GRAVITY_M_S2)
    assert np.all(np.diff(rec.time_s) > 0)
    assert 99.0 < 1.0 / np.median(np.diff(rec.time_s)) < 101.0
    assert rec.acc_g is not None
    assert 0.95 < np.median(np.linalg.norm(rec.acc_g, axis=1)) < 1.1
    assert 30.0 < rec.time_s[-1] - rec.time_s[0] < 33.0


def test_task_and_limb_from_file_name() -> None:
    path = next(p for p in TASK_FILES if "REST_TREMOR_AMPLITUDE_-_RIGHT_HAND" in p.name)
    meta = read_recording(path).metadata
    assert meta["task"] == "REST_TREMOR_AMPLITUDE" and meta["limb"] == "RIGHT_HAND"


@pytest.mark.parametrize("path", TAPPING_FILES, ids=lambda p: p.name[:40])
def test_tapping_files_are_rejected_clearly(path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="finger-tapping file .* no accelerometer data"):
        read_recording(path)


def test_tapping_layout_is_recognised_without_the_file_name(tmp_path: Path) -> None:
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(TAPPING_FILES[0].read_bytes())
    with pytest.raises(UnreadableFileError, match="9 columns of screen touches"):
        read_recording(copy)


def test_questionnaire_files_are_rejected() -> None:
    for path in sorted(DATA.glob("*/*_ENTRY_-_*.csv")):
        with pytest.raises(UnreadableFileError, match="missing column 'time'"):
            read_recording(path)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,2,3\n", "line 1 has 3 fields; a CloudUPDRS accelerometer file has 5"),
        ("1.5,1,2,3,3\n", "line 1, column 1: '1.5' is not an integer timestamp"),
        ("10,1,2,3,3\n20,1,x,3,3\n", "line 2, column 'y_m_s2': 'x' is not a number"),
        ("10,1,2,3,3\n10,1,2,3,3\n", "line 2: time 1e-08 s repeats the previous time"),
        ("10,1,2,3,3\n20,1,2,3\n", "line 2 has 4 fields, expected 5"),
    ],
)
def test_malformed_cloudupdrs(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "T_-_REST.csv"
    path.write_text(text)
    with pytest.raises(UnreadableFileError) as info:
        read_recording(path, format="cloudupdrs")
    assert reason in info.value.reason


def test_streams_like_the_others() -> None:
    path = TASK_FILES[0]
    chunks = list(iter_recording(path, chunk_s=5.0))
    assert len(chunks) == 7
    whole = read_recording(path)
    np.testing.assert_array_equal(np.concatenate([c.time_s for c in chunks]), whole.time_s)
