"""Cohort batches (dystonia.batch): rows, provenance, errors, resuming, executors."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dystonia import __version__, batch
from dystonia.batch import (
    SCHEMA,
    FileTask,
    ProcessExecutor,
    SerialExecutor,
    analyze_file,
    detect_kind,
    params_digest,
    read_results,
    run_batch,
)
from dystonia.exceptions import DystoniaError, InvalidInputError
from dystonia.motion import MotionParams
from dystonia.motion.synthetic import Episode, tremor_episodes

FREQUENCIES_HZ = {"a.csv": 5.0, "b.parquet": 6.0, "sub/c.csv": 7.0}


def _frame(frequency_hz: float, seed: int) -> pd.DataFrame:
    rec = tremor_episodes(
        duration_s=30.0, episodes=[Episode(2.0, 26.0, frequency_hz, 25.0)], seed=seed
    )
    assert rec.acc_g is not None and rec.gyro_dps is not None
    columns: dict[str, Any] = {"time": rec.time_s}
    for j, axis in enumerate("xyz"):
        columns[f"acc_{axis}"] = rec.acc_g[:, j]
        columns[f"gyro_{axis}"] = rec.gyro_dps[:, j]
    return pd.DataFrame(columns)


@pytest.fixture(scope="module")
def cohort_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cohort")
    for i, (name, f) in enumerate(FREQUENCIES_HZ.items()):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = _frame(f, seed=i)
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
    (root / "broken.csv").write_text("time,acc_x\n0,1\n", encoding="utf-8")
    (root / "notes.md").write_text("not a recording", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.csv").write_text("time,gyro_x\n", encoding="utf-8")
    return root


@pytest.fixture
def cohort(cohort_template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "in"
    shutil.copytree(cohort_template, root)
    return root


def _by_path(out: Path) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in read_results(out)}


# ------------------------------------------------------------------------------ one file
def test_analyze_file_row_has_features_and_provenance(cohort: Path) -> None:
    path = cohort / "a.csv"
    row = analyze_file(FileTask(str(path), "a.csv"))
    assert set(row) <= set(SCHEMA.names)
    assert row["status"] == "ok" and row.get("error") is None
    assert row["input_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert row["input_bytes"] == path.stat().st_size
    assert row["package_version"] == __version__
    assert row["params_sha256"] == params_digest("motion")
    assert json.loads(row["params"])["motion"] == MotionParams().to_dict()
    assert row["kind"] == "motion" and row["format"] == "csv"
    assert row["tremor_present"] is True
    assert row["tremor_peak_frequency_hz"] == pytest.approx(5.0, abs=0.3)
    assert row["tremor_amplitude_unit"] == "deg/s"
    report = json.loads(row["report_json"])
    assert report["tremor"]["peak_frequency_hz"] == row["tremor_peak_frequency_hz"]
    assert report["recording"]["source"] is None  # no absolute path inside the report


def test_a_bad_file_is_an_error_row_never_an_exception(cohort: Path) -> None:
    bad = analyze_file(FileTask(str(cohort / "broken.csv"), "broken.csv"))
    assert bad["status"] == "error"
    assert bad["error"].startswith("UnreadableFileError: ")
    assert bad["input_sha256"]  # provenance even for errors
    missing = analyze_file(FileTask(str(cohort / "gone.csv"), "gone.csv"))
    assert missing["status"] == "error" and "No such file" in missing["error"]


def test_params_change_the_hash() -> None:
    assert params_digest("motion") != params_digest("motion", MotionParams(prefer="acc"))
    assert params_digest("motion") != params_digest("motion", fmt="csv")
    assert params_digest("motion") != params_digest("ink")


def test_detect_kind(tmp_path: Path) -> None:
    pen = tmp_path / "pen.csv"
    pen.write_text("time,x,y,pressure\n0,1,2,0.5\n", encoding="utf-8")
    motion = tmp_path / "m.csv"
    motion.write_text("time,x,y,gyro_x,gyro_y,gyro_z\n", encoding="utf-8")
    uci = tmp_path / "uci.txt"
    uci.write_text("200;300;0;512;900;1000;0\n", encoding="utf-8")
    headerless = tmp_path / "cloudupdrs.txt"
    headerless.write_text("0.0,0.1,0.2,0.98\n", encoding="utf-8")
    assert detect_kind(pen) == "ink" and detect_kind(motion) == "motion"
    assert detect_kind(uci) == "ink" and detect_kind(headerless) == "motion"
    assert (
        detect_kind(tmp_path / "a.inkml") == "ink" and detect_kind(tmp_path / "a.cwa") == "motion"
    )


# ------------------------------------------------------------------------------ the batch
def test_batch_writes_one_row_per_file_and_errors_as_rows(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"
    seen: list[str] = []
    summary = run_batch(cohort, out, on_row=lambda row: seen.append(row["path"]))
    rows = _by_path(out)
    assert sorted(rows) == sorted([*FREQUENCIES_HZ, "broken.csv"]) == sorted(seen)
    assert (summary.files, summary.analysed, summary.ok, summary.errors) == (4, 4, 3, 1)
    assert summary.ignored == 1 and summary.rows == 4  # notes.md; hidden folders not counted
    assert summary.error_rows[0][0] == "broken.csv"
    for name, f in FREQUENCIES_HZ.items():
        assert rows[name]["tremor_peak_frequency_hz"] == pytest.approx(f, abs=0.3)
    assert rows["broken.csv"]["status"] == "error"
    assert pq.read_schema(out).names == SCHEMA.names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "results.parquet"]  # no temp


def test_rerun_skips_what_is_done_and_retries_errors(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"
    run_batch(cohort, out)
    first = _by_path(out)
    again = run_batch(cohort, out)
    assert (again.already_done, again.analysed, again.errors) == (3, 1, 1)
    second = _by_path(out)
    for name in FREQUENCIES_HZ:
        assert second[name] == first[name]  # untouched, byte for byte
    # the same content under a new name reuses the row; a changed file is analysed again
    shutil.copy(cohort / "a.csv", cohort / "copy-of-a.csv")
    _frame(8.0, seed=9).to_csv(cohort / "sub" / "c.csv", index=False)
    third = run_batch(cohort, out)
    assert (third.reused, third.already_done, third.analysed) == (1, 2, 2)
    rows = _by_path(out)
    assert len(rows) == 5
    assert rows["copy-of-a.csv"]["input_sha256"] == rows["a.csv"]["input_sha256"]
    assert rows["sub/c.csv"]["tremor_peak_frequency_hz"] == pytest.approx(8.0, abs=0.3)
    assert run_batch(cohort, out).already_done == 4  # the reused row is now done too
    # other parameters: everything is analysed again
    fourth = run_batch(cohort, out, motion_params=MotionParams(prefer="acc"))
    assert fourth.analysed == 5 and fourth.already_done == 0


def test_an_interrupted_batch_resumes(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.parquet"

    def stop(row: dict[str, Any]) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(cohort, out, on_row=stop)
    assert len(read_results(out)) == 1  # what was done is on disk
    resumed = run_batch(cohort, out)
    assert resumed.analysed == 3 and resumed.rows == 4


def test_checkpoints_while_running(
    cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "results.parquet"
    writes: list[int] = []
    real_write = batch._write

    def counting(path: Path, rows: list[dict[str, Any]]) -> None:
        writes.append(len(rows))
        real_write(path, rows)

    monkeypatch.setattr(batch, "_write", counting)
    run_batch(cohort, out, checkpoint_s=1e-9)
    assert writes == [1, 2, 3, 4, 4]


def test_refuses_to_overwrite_a_foreign_file(cohort: Path, tmp_path: Path) -> None:
    text = tmp_path / "results.parquet"
    text.write_text("my thesis", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="is not a Parquet file"):
        run_batch(cohort, text)
    assert text.read_text(encoding="utf-8") == "my thesis"
    other = tmp_path / "other.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(other)
    with pytest.raises(InvalidInputError, match="not a batch results file"):
        run_batch(cohort, other)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "pen"}, "kind: 'pen' is not allowed"),
        ({"format": "xls"}, "format: 'xls' is not allowed"),
        ({"checkpoint_s": 0}, "checkpoint_s"),
        ({"out": "results.csv"}, "allowed: a .parquet file"),
        ({"out": "no/such/folder/r.parquet"}, "does not exist"),
        ({"input_dir": "nowhere"}, "is not a folder"),
    ],
)
def test_bad_options(cohort: Path, tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    args = {"input_dir": cohort, "out": tmp_path / "r.parquet"}
    for key in ("input_dir", "out"):
        if key in kwargs:
            args[key] = tmp_path / kwargs.pop(key)
    with pytest.raises(InvalidInputError, match=message):
        run_batch(args["input_dir"], args["out"], **kwargs)


# ------------------------------------------------------------------------------ pen (ink) hook
def test_ink_without_the_ink_module(
    cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "ink_analyzer", lambda: None)
    (cohort / "spiral.csv").write_text("time,x,y\n0,0,0\n0.01,1,1\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="dystonia.ink"):
        run_batch(cohort, tmp_path / "r.parquet", kind="ink")
    run_batch(cohort, tmp_path / "r.parquet")
    row = _by_path(tmp_path / "r.parquet")["spiral.csv"]
    assert row["kind"] == "ink" and row["status"] == "error"
    assert "pen analysis (dystonia.ink) is not in this installation" in row["error"]


def test_ink_with_an_analyzer(
    cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake(path: Path) -> dict[str, Any]:
        return {"tasks": [{"task_id": 0, "kind": "spiral"}, {"task_id": 1, "kind": "writing"}]}

    monkeypatch.setattr(batch, "ink_analyzer", lambda: fake)
    (cohort / "spiral.csv").write_text("time,x,y\n0,0,0\n", encoding="utf-8")
    (cohort / "s.inkml").write_text("<ink/>", encoding="utf-8")
    run_batch(cohort, tmp_path / "r.parquet", kind="ink")
    rows = _by_path(tmp_path / "r.parquet")
    assert set(rows) == {"spiral.csv", "s.inkml", "a.csv", "sub/c.csv", "broken.csv"}
    assert (
        rows["s.inkml"]["ink_n_tasks"] == 2
        and rows["s.inkml"]["ink_task_kinds"] == "spiral,writing"
    )


# ------------------------------------------------------------------------------ executors
def _double(x: int) -> int:
    if x < 0:
        raise ValueError("negative")
    return 2 * x


def test_serial_executor_yields_exceptions() -> None:
    results = dict(SerialExecutor().imap_unordered(_double, [1, -1, 3]))
    assert results[1] == 2 and results[3] == 6 and isinstance(results[-1], ValueError)


class _FakePool:
    """Stands in for ProcessPoolExecutor: item 'boom' breaks the pool, as a dying worker does."""

    created = 0

    def __init__(self) -> None:
        type(self).created += 1

    def submit(self, fn: Any, item: Any) -> Future[Any]:
        future: Future[Any] = Future()
        if item == "boom":
            future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
        else:
            future.set_result(fn(item))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


def test_process_executor_survives_a_dead_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ProcessExecutor, "_pool", lambda self: _FakePool())
    _FakePool.created = 0
    executor = ProcessExecutor(2)
    results = dict(executor.imap_unordered(str.upper, ["a", "boom", "b", "c"]))
    executor.close()
    assert {k: v for k, v in results.items() if k != "boom"} == {"a": "A", "b": "B", "c": "C"}
    assert isinstance(results["boom"], RuntimeError) and "retried once" in str(results["boom"])
    assert _FakePool.created == 2  # a fresh pool after the break; none needed after the last


@pytest.mark.slow
def test_processes_give_the_same_rows_as_serial(cohort: Path, tmp_path: Path) -> None:
    """Real spawned processes (start-up of one interpreter with numpy/scipy: seconds)."""
    serial, parallel = tmp_path / "serial.parquet", tmp_path / "parallel.parquet"
    run_batch(cohort, serial)
    executor = ProcessExecutor(1)
    try:
        executor.start()
        summary = run_batch(cohort, parallel, executor=executor)
    finally:
        executor.close()
    assert summary.executor == "processes (1 worker)"
    a, b = _by_path(serial), _by_path(parallel)
    assert a.keys() == b.keys()
    volatile = {"analysed_at", "elapsed_s", "worker"}
    for name in a:
        assert {k: v for k, v in a[name].items() if k not in volatile} == {
            k: v for k, v in b[name].items() if k not in volatile
        }
    assert a["a.csv"]["worker"] != b["a.csv"]["worker"]  # another process did it


def test_dask_backend_without_dask_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DystoniaError, match=r"pip install 'dystonia-workbench\[cluster\]'"):
        batch.DaskExecutor()


def test_dask_local_cluster(cohort: Path, tmp_path: Path) -> None:
    """The Dask path (client.map, as_completed, results, error rows) on an in-process cluster."""
    import distributed  # noqa: F401  (the test extra installs dask[distributed]; no skip in CI)

    executor = batch.DaskExecutor("local", workers=2, processes=False)
    try:
        summary = run_batch(cohort, tmp_path / "r.parquet", executor=executor)
        assert dict(executor.imap_unordered(_double, [2, -2]))[2] == 4
    finally:
        executor.close()
    assert (summary.ok, summary.errors) == (3, 1)
    assert summary.executor == "dask (2 workers)"


def test_make_executor_choices() -> None:
    assert isinstance(batch.make_executor(), SerialExecutor)
    assert isinstance(batch.make_executor(workers=2), ProcessExecutor)
    with pytest.raises(InvalidInputError, match="workers"):
        batch.make_executor(workers=0)
