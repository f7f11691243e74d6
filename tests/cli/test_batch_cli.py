"""`dystonia batch` as a user runs it (in-process; serial backend)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests._cli import run_cli as _run  # type: ignore[import-not-found]

from dystonia.motion.synthetic import tremor_wave


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "recordings"
    root.mkdir()
    t = np.arange(0, 20, 0.01)
    g = tremor_wave(t, frequency_hz=5.0, amplitude=20.0, seed=1)
    pd.DataFrame({"time": t, "gyro_x": g, "gyro_y": 0 * t, "gyro_z": 0 * t}).to_csv(
        root / "rest.csv", index=False
    )
    (root / "empty.csv").write_text("", encoding="utf-8")
    return root


def test_batch_then_rerun(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.parquet"
    code, stdout, stderr = _run(["batch", str(folder), "--out", str(out)], capsys)
    assert code == 0, stderr
    assert f"{folder}: 2 recording(s) -> {out} (2 rows)" in stdout
    assert "analysed 2 (ok 1, error 1); already done 0" in stdout
    assert "on serial (1 worker)" in stdout
    assert "error  empty.csv: UnreadableFileError:" in stdout
    assert stderr == ""  # no progress bar when standard error is not a terminal
    frame = pd.read_parquet(out)
    assert list(frame["path"]) == ["empty.csv", "rest.csv"]
    assert frame.set_index("path").loc["rest.csv", "tremor_peak_frequency_hz"] == pytest.approx(
        5, abs=0.2
    )
    code, stdout, _ = _run(["batch", str(folder), "--out", str(out), "--kind", "motion"], capsys)
    assert code == 0
    assert "analysed 1 (ok 0, error 1); already done 1" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "pen"], "--kind: 'pen' is not allowed; allowed: auto, motion, ink"),
        (["--workers", "0"], "workers: 0 is not allowed; allowed: a whole number 1-256"),
        (["--out", "{tmp}/r.csv"], "allowed: a .parquet file"),
    ],
)
def test_bad_options_exit_2(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    base = ["batch", str(folder), "--out", str(tmp_path / "r.parquet")]
    code, _, stderr = _run(base + [a.format(tmp=tmp_path) for a in args], capsys)
    assert code == 2
    assert message in stderr and stderr.count("\n") == 1
