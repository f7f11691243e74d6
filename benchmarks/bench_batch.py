"""Throughput of cohort batches (``dystonia.batch``): serial, local processes, Dask LocalCluster.

Run from the repository root::

    python benchmarks/bench_batch.py            # 200 one-hour recordings (a few minutes)
    python benchmarks/bench_batch.py --quick    # 20 recordings, to check the set-up
    python benchmarks/bench_batch.py --only serial dask

What it measures
----------------
``--n`` synthetic one-hour recordings (100 Hz, time + acc + gyro in the contract columns, float32
sensor columns, one Parquet file each, ~13 MB) are generated once into ``--cache`` (default
``/tmp/dystonia-bench-batch``; kept between runs, reused when present). Each recording has one or
two tremor episodes of known frequency among sensor noise and an accelerometer that moves
enough to count as worn. Then the same batch runs on each executor into a fresh output file:

``serial``        :class:`dystonia.batch.SerialExecutor` (in this process)
``processes-1``   :class:`dystonia.batch.ProcessExecutor` with 1 spawned worker
``processes-2``   the same with 2 workers
``dask-2``        :class:`dystonia.batch.DaskExecutor`: ``LocalCluster(n_workers=2,
                  threads_per_worker=1, host="127.0.0.1", dashboard_address=None)`` (needs
                  ``dask[distributed]``; skipped when missing)

Reported per executor: wall time of ``run_batch`` and, separately, the executor's start-up and
shut-down; recordings per second and hours of data per minute; the median per-file analysis
time measured inside the worker (``elapsed_s`` of each row: it grows when workers compete for
cores); and the **overhead per file** = (wall x workers - sum of per-file analysis times) / files,
the time a worker spends not analysing (dispatch, transfer of the row, waiting at the tail, and
in the serial case the main process's own work). The cluster path's overhead against the serial
path is the difference of the two.

The machine has 2 shared cores: absolute times vary with the other jobs on it, so the serial run
is the baseline printed beside the others from the same invocation.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

FS_HZ = 100.0


def make_recording(path: Path, *, seed: int, hours: float) -> None:
    """One synthetic recording: tremor episodes of known frequency, noise, a worn accelerometer."""
    from dystonia.motion.synthetic import Episode, tremor_episodes

    rng = np.random.default_rng(seed)
    duration_s = hours * 3600.0
    episodes = [
        Episode(
            start_s=float(rng.uniform(0.05, 0.4) * duration_s),
            duration_s=float(rng.uniform(0.1, 0.3) * duration_s),
            frequency_hz=float(rng.uniform(4.0, 7.0)),
            amplitude=float(rng.uniform(5.0, 40.0)),
            frequency_sd_hz=float(rng.uniform(0.0, 0.5)),
        )
    ]
    if seed % 2:
        episodes.append(Episode(0.75 * duration_s, 0.1 * duration_s, 5.0, 15.0))
    rec = tremor_episodes(duration_s=duration_s, episodes=episodes, fs_hz=FS_HZ, seed=rng)
    assert rec.gyro_dps is not None and rec.acc_g is not None
    acc = rec.acc_g + rng.normal(0.0, 0.02, rec.acc_g.shape)  # worn: above GGIR's 13 mg SD
    columns: dict[str, Any] = {"time": pa.array(rec.time_s)}
    for j, axis in enumerate("xyz"):
        columns[f"acc_{axis}"] = pa.array(acc[:, j].astype(np.float32))
    for j, axis in enumerate("xyz"):
        columns[f"gyro_{axis}"] = pa.array(rec.gyro_dps[:, j].astype(np.float32))
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(pa.table(columns), tmp, compression="snappy")
    os.replace(tmp, path)


def _make(args: tuple[str, int, float]) -> None:
    make_recording(Path(args[0]), seed=args[1], hours=args[2])


def ensure_cohort(folder: Path, n: int, hours: float) -> list[Path]:
    """Generate the recordings that are missing (2 processes); return the n paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"rec-{i:04d}.parquet" for i in range(n)]
    todo = [(str(p), i, hours) for i, p in enumerate(paths) if not p.exists()]
    if todo:
        print(f"generating {len(todo)} recording(s) of {hours:g} h into {folder} ...", flush=True)
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=2) as pool:
            list(pool.map(_make, todo, chunksize=4))
        print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    return paths


def _executor(name: str) -> Any:
    from dystonia import batch

    if name == "serial":
        return batch.SerialExecutor()
    if name.startswith("processes-"):
        return batch.ProcessExecutor(int(name.split("-")[1]))
    if name.startswith("dask-"):
        return batch.DaskExecutor("local", workers=int(name.split("-")[1]))
    raise SystemExit(f"unknown executor {name}")


def run_one(name: str, folder: Path, out_dir: Path, n: int, hours: float) -> dict[str, Any]:
    """One batch over the cohort on one executor, into a fresh output file."""
    from dystonia.batch import read_results, run_batch

    out = out_dir / f"results-{name}.parquet"
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    executor = _executor(name)
    executor.start()  # start the workers and import the analyses outside the timed batch
    t1 = time.perf_counter()
    try:
        summary = run_batch(folder, out, executor=executor, checkpoint_s=60.0)
    finally:
        t2 = time.perf_counter()
        executor.close()
        t3 = time.perf_counter()
    rows = read_results(out)
    assert summary.analysed == n and summary.errors == 0, summary.error_rows[:3]
    elapsed = [float(r["elapsed_s"]) for r in rows]
    wall = t2 - t1
    workers = executor.workers
    return {
        "executor": name,
        "workers": workers,
        "wall_s": wall,
        "startup_s": (t1 - t0) + (t3 - t2),
        "files_per_s": n / wall,
        "hours_per_min": n * hours / (wall / 60.0),
        "median_file_s": statistics.median(elapsed),
        "overhead_per_file_s": (wall * workers - sum(elapsed)) / n,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="recordings (default 200)")
    parser.add_argument("--hours", type=float, default=1.0, help="length of each (default 1)")
    parser.add_argument("--quick", action="store_true", help="20 recordings")
    parser.add_argument(
        "--cache", type=Path, default=Path("/tmp/dystonia-bench-batch"), help="data folder"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=["serial", "processes-1", "processes-2", "dask-2"],
        help="executors to run (serial, processes-N, dask-N)",
    )
    args = parser.parse_args(argv)
    n = 20 if args.quick else args.n
    store = args.cache / f"cohort-{args.hours:g}h"
    ensure_cohort(store, n, args.hours)
    folder = args.cache / f"set-{n}-{args.hours:g}h"  # links to exactly n recordings
    folder.mkdir(exist_ok=True)
    for i in range(n):
        link = folder / f"rec-{i:04d}.parquet"
        if not link.is_symlink():
            link.symlink_to(store / link.name)
    out_dir = args.cache / "results"
    out_dir.mkdir(exist_ok=True)

    results = []
    for name in args.only:
        if name.startswith("dask"):
            try:
                import distributed  # noqa: F401
            except ImportError:
                print(f"{name}: skipped (pip install 'dask[distributed]')")
                continue
        print(f"{name} ...", flush=True)
        results.append(run_one(name, folder, out_dir, n, args.hours))

    base = next((r for r in results if r["executor"] == "serial"), None)
    print()
    print(
        f"{n} recordings of {args.hours:g} h at {FS_HZ:g} Hz (Parquet), Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    header = (
        f"{'executor':<13} {'wall s':>8} {'start+stop s':>12} {'files/s':>8} {'data h/min':>10} "
        f"{'x serial':>8} {'median file s':>13} {'overhead/file s':>15}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        speed = f"{base['wall_s'] / r['wall_s']:.2f}" if base else "-"
        print(
            f"{r['executor']:<13} {r['wall_s']:>8.1f} {r['startup_s']:>12.1f} {r['files_per_s']:>8.2f} "
            f"{r['hours_per_min']:>10.1f} {speed:>8} {r['median_file_s']:>13.3f} "
            f"{r['overhead_per_file_s']:>15.4f}"
        )
    dask = next((r for r in results if r["executor"].startswith("dask")), None)
    if base and dask:
        print()
        print(
            f"cluster path against serial: overhead {dask['overhead_per_file_s'] - base['overhead_per_file_s']:+.4f} s"
            f" per file ({100 * (dask['overhead_per_file_s'] - base['overhead_per_file_s']) / base['median_file_s']:+.1f} %"
            f" of a file's analysis), plus {dask['startup_s']:.1f} s to start and stop the cluster"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
