"""Speed and memory of the tremor analysis (``dystonia.motion.analyze``).

Run from the repository root::

    python benchmarks/bench_motion.py                       # floor + 1 h, 6 h, 24 h
    python benchmarks/bench_motion.py --hours 1 24 168      # include 7 days (a few minutes)
    python benchmarks/bench_motion.py --hours 1 --repeat 1  # quick look

What it measures
----------------
1. **Against a floor**, side by side on the same file (the PPP 12-min watch CSV, and the
   ``--floor-hours`` synthetic Parquet): ``read_recording`` plus one ``numpy.fft.rfft`` per 4-s
   window of the three gyroscope axes (the least any spectral tremor analysis must do), against
   ``analyze(path)`` (reading, resampling, gap checks, spectra, band-pass filtering, cycle
   analysis, summaries). Both read with ``dystonia.motion.io`` in the pieces the reader decodes
   (``chunk_s=None``). ``ratio`` = ours / floor; the target is within 3x.
   ``benchmarks/bench_paradigma.py`` has a leaner floor (pyarrow directly) and paradigma.
2. **Scaling**: for each ``--hours`` (default 1, 6, 24), the real PPP recording (acc + gyro,
   100 Hz) tiled end to end with continuous time is written as Parquet into a temporary
   directory (1-h row groups), then ``analyze(path)`` streams it with ``iter_recording`` in a
   fresh subprocess that reports its wall time and peak resident memory (``VmHWM``). Time per hour of data should be constant (linear time) and peak
   memory flat (the 7-day target is < 1 GB). The floor's own peak (reader + FFT) is shown
   beside it, so that growth in the reader and growth in the analysis can be told apart.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
PPP_CSV = ROOT.parent / "shared" / "data" / "paradigma-ppp" / "ppp_watch_12min.csv"
FS_HZ = 100.0
COLUMNS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")


def _best_s(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _ppp_arrays() -> tuple[np.ndarray, np.ndarray]:
    from dystonia.motion.io import read_recording

    rec = read_recording(PPP_CSV)
    assert rec.acc_g is not None and rec.gyro_dps is not None
    return np.asarray(rec.acc_g), np.asarray(rec.gyro_dps)


def write_tiled_parquet(path: Path, hours: float) -> int:
    """The PPP recording tiled to ``hours`` at exactly 100 Hz, 1-h row groups; rows written."""
    acc, gyro = _ppp_arrays()
    values = np.concatenate((acc, gyro), axis=1)
    total = round(hours * 3600 * FS_HZ)
    group = round(3600 * FS_HZ)
    schema = pa.schema([("time", pa.float64())] + [(c, pa.float64()) for c in COLUMNS])
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for start in range(0, total, group):
            n = min(group, total - start)
            idx = (start + np.arange(n)) % values.shape[0]
            block = values[idx]
            cols = [pa.array((start + np.arange(n)) / FS_HZ)]
            cols += [pa.array(block[:, j]) for j in range(6)]
            writer.write_table(pa.Table.from_arrays(cols, schema=schema))
    return total


def floor_seconds(path: Path, window_s: float = 4.0) -> float:
    """Read the file and take one rFFT per window of the gyroscope: the floor."""
    from dystonia.motion.io import iter_recording

    n = round(window_s * FS_HZ)
    carry = np.zeros((0, 3))
    for chunk in iter_recording(path, chunk_s=None):
        gyro = np.concatenate((carry, np.asarray(chunk.gyro_dps)))
        m = gyro.shape[0] // n
        np.fft.rfft(gyro[: m * n].reshape(m, n, 3), axis=1)
        carry = gyro[m * n :]
    return 0.0


def ours_seconds(path: Path) -> dict[str, object]:
    from dystonia.motion import analyze

    rep = analyze(path)
    return {"n_windows": rep.tremor["n_windows"], "fraction": rep.tremor["fraction_of_time"]}


def peak_mb() -> float:
    """Peak resident memory of this process (``VmHWM``), MiB.

    Not ``ru_maxrss``: a child started by ``subprocess`` (vfork + exec) inherits its parent's
    high-water mark there, so it would report the parent's peak (which holds the tiled data).
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def child(path: str, mode: str) -> None:
    """Subprocess entry: run once, print JSON with wall time and peak RSS."""
    # imports are not part of the measured time
    import dystonia.motion
    import dystonia.motion.io  # noqa: F401

    start = time.perf_counter()
    info: dict[str, object] = {}
    if mode == "ours":
        info = ours_seconds(Path(path))
    else:
        floor_seconds(Path(path))
    wall = time.perf_counter() - start
    print(json.dumps({"wall_s": wall, "peak_mb": peak_mb(), **info}))


def run_child(path: Path, mode: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--mode", mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Speed and memory of dystonia.motion.analyze")
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 6.0, 24.0])
    parser.add_argument("--floor-hours", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="ours", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.mode)
        return 0

    from dystonia.motion import analyze

    print("1. against the floor (read + one rFFT per 4-s window), same file, best of", args.repeat)
    print(f"{'file':<34} {'floor s':>9} {'ours s':>9} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("PPP 12-min CSV", PPP_CSV)]
        floor_path = Path(tmp) / f"floor_{args.floor_hours:g}h.parquet"
        write_tiled_parquet(floor_path, args.floor_hours)
        cases.append((f"PPP tiled {args.floor_hours:g} h Parquet", floor_path))
        for label, path in cases:
            t_floor = _best_s(lambda p=path: floor_seconds(p), args.repeat)
            t_ours = _best_s(lambda p=path: analyze(p), args.repeat)
            print(f"{label:<34} {t_floor:>9.3f} {t_ours:>9.3f} {t_ours / t_floor:>7.2f}")

        print()
        print("2. scaling: PPP tiled, Parquet, streamed as decoded, one subprocess each")
        print(
            f"{'hours':>7} {'windows':>9} {'write s':>8} {'floor s':>8} {'ours s':>8}"
            f" {'s per h':>8} {'ratio':>6} {'peak MB':>8} {'floor MB':>9} {'ours-floor MB':>14}"
        )
        for hours in args.hours:
            path = Path(tmp) / f"ppp_{hours:g}h.parquet"
            start = time.perf_counter()
            write_tiled_parquet(path, hours)
            t_write = time.perf_counter() - start
            floor = run_child(path, "floor")
            ours = run_child(path, "ours")
            print(
                f"{hours:>7g} {ours['n_windows']:>9} {t_write:>8.1f} {floor['wall_s']:>8.2f}"
                f" {ours['wall_s']:>8.2f} {ours['wall_s'] / hours:>8.3f}"
                f" {ours['wall_s'] / floor['wall_s']:>6.2f} {ours['peak_mb']:>8.0f}"
                f" {floor['peak_mb']:>9.0f} {ours['peak_mb'] - floor['peak_mb']:>14.0f}"
            )
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
