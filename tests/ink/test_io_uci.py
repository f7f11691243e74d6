"""UCI spiral tablet files: real files, units, the data set's own faults, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dystonia.exceptions import UnreadableFileError
from dystonia.ink import read_ink
from dystonia.ink.io import limits, read_uci
from dystonia.ink.io.uci import UCI_MM_PER_PX

from ._data import uci


def test_control_file_has_two_spiral_tasks_in_mm_and_seconds() -> None:
    rec = read_uci(uci("C_0001.txt"))
    assert rec.format == "uci"
    assert [t.task_id for t in rec.tasks] == [0, 1]
    assert [t.kind for t in rec.tasks] == ["spiral", "spiral"]
    t0 = rec.tasks[0]
    assert t0.n_samples == 2578
    assert t0.fs_hz == pytest.approx(1000 / 7, rel=0.01)
    # first line 200;204;0;73;910;1732647300;0 -> x = 200 px, y flipped, pressure 73/1023
    assert t0.x_mm[0] == pytest.approx(200 * UCI_MM_PER_PX)
    assert t0.y_mm[0] == pytest.approx(-204 * UCI_MM_PER_PX)
    assert t0.pressure is not None and t0.pressure[0] == pytest.approx(73 / 1023)
    assert t0.time_s[0] == 0.0
    assert "unverified" in rec.metadata["mm_per_unit_source"]


def test_hold_task_is_read_as_in_air_samples() -> None:
    rec = read_ink(uci("C_0010.txt"))
    hold = rec.tasks[2]
    assert hold.kind == "hold"
    assert not hold.pen_down.any()  # the pen hovers over the point for the whole test
    assert hold.n_strokes == 0


def test_time_going_back_is_refused_with_the_line_and_other_tasks_stay_readable() -> None:
    path = uci("P_02100001.txt")
    with pytest.raises(UnreadableFileError, match=r"line 1860: Timestamp goes back in task 2"):
        read_ink(path)
    rec = read_ink(path, tasks=[0, 1])
    assert [t.task_id for t in rec.tasks] == [0, 1]


def test_mm_per_unit_overrides_the_assumed_pixel_pitch() -> None:
    rec = read_uci(uci("C_0001.txt"), mm_per_unit=0.1)
    assert rec.tasks[0].x_mm[0] == pytest.approx(20.0)


def _write(tmp_path: Path, text: str, name: str = "bad.txt") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = "".join(f"{200 + i};{204 + i};0;{100 + i};900;{1000 + 7 * i};0\n" for i in range(20))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("   \n\n", "empty file"),
        (GOOD + "1;2;3\n", r"line 21: 3 fields where 7 are expected"),
        (GOOD + "1;2;3;4;5;abc;0\n", r"line 21, field 6: 'abc' is not a number"),
        (GOOD + "1;2;0;4;5;9999;7\n", r"line 21: TestID 7 is not one of 0, 1, 2"),
        (GOOD + "1;2;0;2000;5;9999;0\n", r"line 21: Pressure 2000 is outside 0-1023"),
        (GOOD + "1;2;0;4;5;1000;0\n", r"line 21: Timestamp goes back in task 0"),
        (GOOD + "1;2;0;4;5;inf;0\n", r"line 21: non-finite number"),
        ("1;2;0;4;5;1000;0\n", r"task 0 has 1 sample"),
    ],
)
def test_bad_uci_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UnreadableFileError, match=message):
        read_uci(_write(tmp_path, text))


def test_missing_task_is_named(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="task 2 is not in the file; its tasks are 0"):
        read_uci(_write(tmp_path, GOOD), tasks=[2])


def test_hostile_size_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    with pytest.raises(UnreadableFileError, match="limited to"):
        read_uci(_write(tmp_path, GOOD))


def test_too_many_samples_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_SAMPLES", 10)
    with pytest.raises(UnreadableFileError, match="limited to 10 samples"):
        read_uci(_write(tmp_path, GOOD))


def test_binary_content_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_bytes(b"1;2;\x00\x00;4")
    with pytest.raises(UnreadableFileError, match="binary"):
        read_uci(p)


def test_all_real_files_read_or_fail_with_a_line_number() -> None:
    from ._data import UCI

    files = sorted(UCI.glob("*/*.txt"))
    assert len(files) == 77
    failed = 0
    for f in files[::7]:  # a spread of files keeps the test fast
        try:
            rec = read_uci(f)
        except UnreadableFileError as exc:
            failed += 1
            assert "line " in str(exc) and "Timestamp goes back" in str(exc)
            continue
        assert all(np.all(np.diff(t.time_s) > 0) for t in rec.tasks)
    assert failed < len(files[::7])
