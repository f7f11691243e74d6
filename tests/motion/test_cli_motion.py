"""``dystonia motion analyze|compare``: output, JSON contract, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dystonia.cli import main

from ._data import cloudupdrs_task


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out, out.err


@pytest.fixture(scope="module")
def tremor_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    t = np.arange(0, 60, 0.01)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"time": t})
    for i, a in enumerate("xyz"):
        frame[f"acc_{a}"] = [0.0, 0.0, 1.0][i] + rng.normal(0, 0.002, t.size)
    for i, a in enumerate("xyz"):
        frame[f"gyro_{a}"] = (12.0 if i == 0 else 0.0) * np.sin(2 * np.pi * 5.5 * t) + rng.normal(
            0, 0.3, t.size
        )
    path = tmp_path_factory.mktemp("motion") / "tremor.csv"
    frame.to_csv(path, index=False)
    return path


def test_analyze_json_contract(tremor_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["motion", "analyze", str(tremor_csv), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["recording"]["fs_hz"] == pytest.approx(100.0)
    assert report["tremor"]["present"] is True
    assert report["tremor"]["peak_frequency_hz"] == pytest.approx(5.5, abs=0.1)
    assert report["tremor"]["amplitude"]["unit"] == "deg/s"
    assert len(report["windows"]) == 15


def test_analyze_summary_drops_windows(
    tremor_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["motion", "analyze", str(tremor_csv), "--json", "--summary"], capsys)
    assert code == 0
    assert "windows" not in json.loads(out)


def test_analyze_text(tremor_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["motion", "analyze", str(tremor_csv)], capsys)
    assert code == 0
    assert "PRESENT" in out and "5.50 Hz" in out and "TSI" in out


def test_analyze_plot(tremor_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import matplotlib  # noqa: F401  (a core dependency: --plot must work)

    png = tmp_path / "out.png"
    code, _, err = _run(["motion", "analyze", str(tremor_csv), "--plot", str(png)], capsys)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("", ""),
        ("time,acc_x\n0,1\n0.01,1\n", "acc_y"),
        ("time,gyro_x,gyro_y,gyro_z\n0,1,1,1\n0.02,1,1,1\n0.01,1,1,1\n", "time"),
    ],
)
def test_unreadable_files_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, needle: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    code, out, err = _run(["motion", "analyze", str(path)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert needle in err


def test_unknown_format_and_missing_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(["motion", "analyze", str(tmp_path / "x.csv"), "--format", "xls"], capsys)
    assert code == 2 and "format" in err
    code, _, err = _run(["motion", "analyze", str(tmp_path / "absent.csv")], capsys)
    assert code == 2 and "absent.csv" in err


def test_compare_json_and_bad_pair(tremor_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rest = cloudupdrs_task("REST_TREMOR_AMPLITUDE_-_RIGHT_HAND")
    code, out, err = _run(
        ["motion", "compare", f"posture={tremor_csv}", f"rest={rest}", "--json"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    assert set(data["tasks"]) == {"posture", "rest"}
    assert data["reference"] == "posture"
    code, out, _ = _run(["motion", "compare", f"posture={tremor_csv}", f"rest={rest}"], capsys)
    assert code == 0 and "posture" in out
    code, _, err = _run(["motion", "compare", "no-equals-sign"], capsys)
    assert code == 2 and "LABEL=FILE" in err


def test_real_entry_point_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "dystonia", "motion", "analyze", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: ")
