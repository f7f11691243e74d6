"""Speed and memory of the motion readers (``dystonia.motion.io``).

Run from the repository root::

    python benchmarks/bench_readers.py                 # shipped files + 24 h + 7-day memory
    python benchmarks/bench_readers.py --hours 2 --days 1 --repeat 1   # quick look

What it measures
----------------
1. Every shipped device file in ``../shared/data/device-files`` and one CloudUPDRS file:
   ``read_recording`` against a named baseline run side by side on the same file
   (``np.fromfile`` of the raw bytes: the I/O floor; ``np.loadtxt`` for CloudUPDRS).
2. Synthetic recordings of ``--hours`` (default 24 h) at 100 Hz written into a temporary
   directory: an AX6 ``.cwa`` (the real blocks of ``paradigma_ax6_test_data.CWA`` tiled, with
   sequence numbers, timestamps and checksums rewritten), a GENEActiv ``.bin`` (real pages
   tiled, page times rewritten), and a contract CSV and Parquet (acc + gyro). Baselines:
   ``np.fromfile`` for device files, ``pandas.read_csv`` for CSV,
   ``pyarrow.parquet.read_table`` for Parquet. ``ratio`` is our time divided by the baseline's
   (below 1: faster than the baseline).
3. Peak resident memory (``VmHWM`` of ``/proc/self/status``, in a fresh subprocess per case) of
   ``iter_recording(chunk_s=3600)`` over ``--hours`` and over ``--days`` (default 7 days) of
   synthetic Parquet and ``.cwa``, against ``read_recording`` of ``--hours``: streaming memory
   must not grow with the recording's length.

Samples per second count time points (one 6-axis sample is one sample).
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
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dystonia.motion.io import iter_recording, read_recording
from dystonia.motion.io.axivity import BLOCK_DTYPE

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
DEVICE = DATA / "device-files"
FS_HZ = 100.0


def _best_s(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def _stream(path: Path) -> int:
    return sum(chunk.n_samples for chunk in iter_recording(path, chunk_s=3600.0))


def _row(label: str, n: int, ours_s: float, base_label: str, base_s: float) -> None:
    print(
        f"{label:<44} {n:>11,d} {ours_s:>8.3f} {n / ours_s / 1e6:>9.2f} "
        f"{base_label:<26} {base_s:>8.3f} {ours_s / base_s:>7.2f}"
    )


def _header(title: str) -> None:
    print(f"\n== {title}")
    print(
        f"{'file':<44} {'samples':>11} {'ours s':>8} {'Msamp/s':>9} "
        f"{'baseline':<26} {'base s':>8} {'ratio':>7}"
    )


# ---------------------------------------------------------------------------------------------
# synthetic files
# ---------------------------------------------------------------------------------------------


def _pack_cwa_time(whole_s: np.ndarray) -> np.ndarray:
    t = whole_s.astype("datetime64[s]")
    year = t.astype("datetime64[Y]").astype(np.int64) + 1970
    month = t.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (t.astype("datetime64[D]") - t.astype("datetime64[M]")).astype(np.int64) + 1
    sod = (t - t.astype("datetime64[D]")).astype(np.int64)
    hour, minute, second = sod // 3600, sod // 60 % 60, sod % 60
    packed = (
        ((year - 2000) << 26) | (month << 22) | (day << 17) | (hour << 12) | (minute << 6) | second
    )
    return packed.astype(np.uint32)


def write_cwa(path: Path, hours: float, t0_s: float = 1.7e9) -> int:
    """Tile the real AX6 blocks of the paradigma file into ``hours`` of continuous recording."""
    source = (DEVICE / "paradigma_ax6_test_data.CWA").read_bytes()
    header, body = source[:1024], source[1024:]
    base = np.frombuffer(body[: len(body) // 512 * 512], dtype=BLOCK_DTYPE)
    per_block = int(base["sample_count"][0])
    n_blocks = int(hours * 3600 * FS_HZ) // per_block
    piece = 65536
    with path.open("wb") as fh:
        fh.write(header)
        for first in range(0, n_blocks, piece):
            k = np.arange(first, min(first + piece, n_blocks), dtype=np.int64)
            blocks = base[k % len(base)].copy()
            units = np.floor((t0_s + k * per_block / FS_HZ) * 32768).astype(np.int64)
            whole, frac15 = units // 32768, units % 32768
            blocks["sequence_id"] = k
            blocks["timestamp"] = _pack_cwa_time(whole)
            blocks["device_fractional"] = 0x8000 | frac15
            blocks["timestamp_offset"] = -(((frac15 << 1) * int(FS_HZ)) >> 16)
            blocks["checksum"] = 0
            words = blocks.view("<u2").reshape(len(blocks), 256)
            total = words.sum(axis=1, dtype=np.uint64) & 0xFFFF
            blocks["checksum"] = ((-total.astype(np.int64)) & 0xFFFF).astype(np.uint16)
            fh.write(blocks.tobytes())
    return n_blocks * per_block


def write_bin(path: Path, hours: float) -> int:
    """Tile the real pages of the skdh GENEActiv file (50 Hz) into ``hours`` of pages."""
    text = (DEVICE / "skdh_gnactv_sample.bin").read_bytes()
    first = text.find(b"Recorded Data")
    header = text[:first].replace(b"Number of Pages:3", b"Number of Pages:0")
    hex_lines = [ln for ln in text[first:].split(b"\n") if len(ln.strip()) == 3600]
    fs_hz = 50.0
    n_pages = int(hours * 3600 * fs_hz) // 300
    start = np.datetime64("2019-05-21T16:16:43.500")
    with path.open("wb") as fh:
        fh.write(header)
        for page in range(n_pages):
            stamp = str(start + np.timedelta64(page * 6000, "ms")).replace("T", " ")
            stamp = stamp[:19] + ":" + stamp[20:23]
            fh.write(
                b"Recorded Data\nDevice Unique Serial Code:051386\nSequence Number:%d\n"
                b"Page Time:%s\nUnassigned:\nTemperature:28.2\nBattery voltage:4.1642\n"
                b"Device Status:Recording\nMeasurement Frequency:50.0\n%s\n"
                % (page, stamp.encode(), hex_lines[page % len(hex_lines)])
            )
    return n_pages * 300


def _table_piece(first: int, n: int) -> pa.Table:
    k = np.arange(first, first + n, dtype=np.int64)
    t = k / FS_HZ
    phase = 2 * np.pi * 5.0 * t
    cols = {"time": t}
    for i, axis in enumerate("xyz"):
        cols[f"acc_{axis}"] = np.round(np.sin(phase + i) * 0.2 + (i == 2), 4)
        cols[f"gyro_{axis}"] = np.round(np.cos(phase + i) * 30.0, 2)
    return pa.table(cols)


def write_table(path: Path, hours: float, *, csv: bool) -> int:
    """Synthetic contract table (acc + gyro, 100 Hz), written in 2^20-row pieces."""
    n = int(hours * 3600 * FS_HZ)
    piece = 1 << 20
    schema = _table_piece(0, 1).schema
    writer: pacsv.CSVWriter | pq.ParquetWriter
    writer = pacsv.CSVWriter(path, schema) if csv else pq.ParquetWriter(path, schema)
    with writer:
        for first in range(0, n, piece):
            writer.write_table(_table_piece(first, min(piece, n - first)))
    return n


# ---------------------------------------------------------------------------------------------
# memory in a fresh process
# ---------------------------------------------------------------------------------------------

_MEMORY_CODE = """
import json, resource, sys
from dystonia.motion.io import iter_recording, read_recording

def high_water_mib():
    # VmHWM is this process's own peak RSS (ru_maxrss survives exec and would show the parent's)
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

path, mode = sys.argv[1], sys.argv[2]
before = high_water_mib()
n = 0
if mode == "iter":
    for chunk in iter_recording(path, chunk_s=3600.0):
        n += chunk.n_samples
else:
    n = read_recording(path).n_samples
print(json.dumps({"n": n, "before_mib": before, "peak_mib": high_water_mib()}))
"""


def peak_memory_mib(path: Path, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_CODE, str(path), mode],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


# ---------------------------------------------------------------------------------------------


def bench_shipped(repeat: int) -> None:
    _header("shipped files: read_recording vs np.fromfile (raw bytes, the I/O floor)")
    for path in (
        sorted(DEVICE.glob("*.cwa")) + sorted(DEVICE.glob("*.CWA")) + sorted(DEVICE.glob("*.bin"))
    ):
        n = read_recording(path).n_samples
        ours = _best_s(partial(read_recording, path), repeat)
        base = _best_s(partial(np.fromfile, path, dtype=np.uint8), repeat)
        _row(path.name[:44], n, ours, "np.fromfile", base)
    task = sorted((DATA / "cloudupdrs").glob("*/T_-_REST*RIGHT_HAND*.csv"))[0]
    n = read_recording(task).n_samples
    ours = _best_s(lambda: read_recording(task), repeat)
    base = _best_s(lambda: np.loadtxt(task, delimiter=","), repeat)
    _row("cloudupdrs " + task.name[:33], n, ours, "np.loadtxt", base)


def bench_synthetic(tmp: Path, hours: float, repeat: int) -> dict[str, Path]:
    files: dict[str, Path] = {}
    print(f"\n(writing {hours:g} h synthetic files into {tmp} ...)", flush=True)
    counts = {
        "cwa": write_cwa(files.setdefault("cwa", tmp / f"ax6_{hours:g}h.cwa"), hours),
        "bin": write_bin(files.setdefault("bin", tmp / f"geneactiv_{hours:g}h.bin"), hours),
        "csv": write_table(files.setdefault("csv", tmp / f"rec_{hours:g}h.csv"), hours, csv=True),
        "parquet": write_table(
            files.setdefault("parquet", tmp / f"rec_{hours:g}h.parquet"), hours, csv=False
        ),
    }
    baselines: dict[str, tuple[str, Callable[[Path], object]]] = {
        "cwa": ("np.fromfile", lambda p: np.fromfile(p, dtype=np.uint8)),
        "bin": ("np.fromfile", lambda p: np.fromfile(p, dtype=np.uint8)),
        "csv": ("pandas.read_csv", pd.read_csv),
        "parquet": ("pyarrow.parquet.read_table", pq.read_table),
    }
    _header(f"synthetic {hours:g} h at 100 Hz (GENEActiv: 50 Hz)")
    for fmt, path in files.items():
        size_mib = path.stat().st_size / 2**20
        label, base_fn = baselines[fmt]
        ours = _best_s(partial(read_recording, path), repeat)
        base = _best_s(partial(base_fn, path), repeat)
        _row(f"{path.name} ({size_mib:,.0f} MiB) read", counts[fmt], ours, label, base)
        streamed = _best_s(partial(_stream, path), 1)
        _row(f"{path.name} iter_recording(3600 s)", counts[fmt], streamed, label, base)
    return files


def bench_memory(tmp: Path, hours: float, days: float, day_files: dict[str, Path]) -> None:
    print("\n== peak resident memory (fresh process; MiB; 'before' = after imports)")
    print(f"{'case':<52} {'samples':>12} {'before':>8} {'peak':>8}")
    week: dict[str, Path] = {}
    print(f"(writing {days:g}-day synthetic Parquet and .cwa ...)", flush=True)
    week["parquet"] = tmp / f"rec_{days:g}d.parquet"
    write_table(week["parquet"], days * 24, csv=False)
    week["cwa"] = tmp / f"ax6_{days:g}d.cwa"
    write_cwa(week["cwa"], days * 24)
    for fmt in ("parquet", "cwa"):
        for label, path, mode in (
            (f"{fmt} {hours:g} h read_recording", day_files[fmt], "read"),
            (f"{fmt} {hours:g} h iter_recording(3600 s)", day_files[fmt], "iter"),
            (f"{fmt} {days:g} d iter_recording(3600 s)", week[fmt], "iter"),
        ):
            m = peak_memory_mib(path, mode)
            print(f"{label:<52} {int(m['n']):>12,d} {m['before_mib']:>8.0f} {m['peak_mib']:>8.0f}")
        week[fmt].unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=24.0, help="synthetic length (h)")
    parser.add_argument("--days", type=float, default=7.0, help="memory test length (days)")
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats (best is kept)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory test")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pyarrow {pa.__version__}")
    bench_shipped(max(args.repeat, 3))
    with tempfile.TemporaryDirectory(prefix="bench_readers_") as tmp_name:
        tmp = Path(tmp_name)
        files = bench_synthetic(tmp, args.hours, args.repeat)
        if not args.no_memory:
            bench_memory(tmp, args.hours, args.days, files)
    print("\nratio = our time / baseline time; samples are time points (6-axis counts once)")
    print("peak memory of iter_recording must not grow from hours to days (flat memory)")


if __name__ == "__main__":
    main()
