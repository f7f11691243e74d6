"""Contract CSV pen files: columns, units, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from dystonia.exceptions import UnreadableFileError
from dystonia.ink import read_ink


def _csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "pen.csv"
    p.write_text(text)
    return p


HEAD = "time,x,y,pressure,pen_down,note\n"
ROWS = "".join(
    f"{10 + i * 0.01:.2f},{i * 0.5},{i * 0.25},0.5,{0 if i == 5 else 1},a\n" for i in range(10)
)


def test_contract_csv_round_trip(tmp_path: Path) -> None:
    rec = read_ink(_csv(tmp_path, HEAD + ROWS))
    task = rec.tasks[0]
    assert rec.format == "csv"
    assert task.time_s[0] == 0.0 and rec.metadata["time_origin_s"] == pytest.approx(10.0)
    assert task.x_mm[2] == pytest.approx(1.0) and task.y_mm[2] == pytest.approx(0.5)
    assert task.n_strokes == 2 and not task.pen_down[5]
    assert rec.metadata["ignored_columns"] == ["note"]


def test_minimal_columns_mean_pen_always_down(tmp_path: Path) -> None:
    task = read_ink(_csv(tmp_path, "time,x,y\n0,0,0\n0.01,1,1\n0.02,2,2\n")).tasks[0]
    assert task.pressure is None and task.pen_down.all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,X,y\n0,0,0\n1,1,1\n", r"missing column 'x'; did you mean 'X'\?"),
        ("t,x,y\n0,0,0\n1,1,1\n", r"missing column 'time'"),
        ("time,x,y,x\n0,0,0,0\n1,1,1,1\n", r"column 'x' appears more than once"),
        ("time,x,y\n0,0,0\n", r"1 data row\(s\); at least 2"),
        ("time,x,y\n0,0,0\n1,1\n", r"line 3: 2 fields where the header has 3"),
        ("time,x,y\n0,0,0\n1,,1\n", r"line 3, column 'x': empty"),
        ("time,x,y\n0,0,0\n1,abc,1\n", r"line 3, column 'x': 'abc' is not a number"),
        ("time,x,y\n0,0,0\n0,1,1\n", r"line 3: time does not increase"),
        ("time,x,y,pressure\n0,0,0,0.5\n1,1,1,3\n", r"line 3: pressure 3 is outside 0..1"),
        ("time,x,y,pen_down\n0,0,0,1\n1,1,1,2\n", r"line 3: pen_down 2 is not 0 or 1"),
        ("time,x,y\n0,0,0\n1,nan,1\n", r"line 3, column 'x': 'nan' is not finite"),
    ],
)
def test_bad_csv(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UnreadableFileError, match=message):
        read_ink(_csv(tmp_path, text), format="csv")
