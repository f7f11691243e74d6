"""SVC files: round trip of a known drawing, device scale, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dystonia.exceptions import UnreadableFileError
from dystonia.ink import read_ink
from dystonia.ink.io import read_svc
from dystonia.ink.io.svc import SVC_MM_PER_UNIT


def _svc_text(n: int = 50, *, status: int = 1, pressure: int = 500, t0: int = 1000) -> str:
    rows = [
        f"{1000 + 20 * i} {2000 + 10 * i} {t0 + 10 * i} {status if i != 25 else 0} 900 450 {pressure}"
        for i in range(n)
    ]
    return f"{n}\n" + "\n".join(rows) + "\n"


def test_svc_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "s.svc"
    p.write_text(_svc_text())
    rec = read_ink(p)
    assert rec.format == "svc"
    task = rec.tasks[0]
    assert task.n_samples == 50
    assert task.fs_hz == pytest.approx(100.0)
    assert task.x_mm[0] == pytest.approx(1000 * SVC_MM_PER_UNIT)
    assert task.y_mm[1] - task.y_mm[0] == pytest.approx(10 * SVC_MM_PER_UNIT)  # y up
    assert task.pressure is not None and task.pressure[0] == pytest.approx(500 / 1023)
    assert not task.pen_down[25] and task.n_strokes == 2


def test_svc_scale_and_y_axis_options(tmp_path: Path) -> None:
    p = tmp_path / "s.svc"
    p.write_text(_svc_text())
    task = read_svc(p, mm_per_unit=0.01, y_axis="down", pressure_max=1000).tasks[0]
    assert task.x_mm[0] == pytest.approx(10.0)
    assert task.y_mm[0] == pytest.approx(-20.0)
    assert task.pressure is not None and np.isclose(task.pressure[0], 0.5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("abc\n1 2 3 4 5 6 7\n", r"line 1: 'abc' is not the sample count"),
        (
            _svc_text(50).replace("50\n", "60\n", 1),
            r"line 1 says 60 samples but 50 follow \(truncated\?\)",
        ),
        (_svc_text(50) + "1 2 3\n", r"line 1 says 50 samples but 51 follow"),
        (_svc_text(5).replace(" 900 450", " 900", 1), r"line 2: 6 fields where 7 are expected"),
        (_svc_text(5, status=2), r"pen_status 2 is not 0 \(in the air\) or 1"),
        (
            _svc_text(5, pressure=2047),
            r"pressure 2047 is outside 0..1023; pass the device's pressure_max",
        ),
        (_svc_text(5).replace("2010 1010", "2010 1000"), r"line 3: time does not increase"),
        ("1\n1 2 3 1 5 6 7\n", "at least 2 needed"),
    ],
)
def test_bad_svc_files(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "bad.svc"
    p.write_text(text)
    with pytest.raises(UnreadableFileError, match=message):
        read_svc(p)
