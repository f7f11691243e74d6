"""Speed of the pen readers and analysis (``dystonia.ink``), side by side with named baselines.

Run from the repository root::

    python benchmarks/bench_ink.py             # print the tables
    python benchmarks/bench_ink.py --write     # also replace the "Ink" section of docs/benchmarks.md
    python benchmarks/bench_ink.py --repeat 1  # quick look

What it measures (best of ``--repeat`` runs each)
-------------------------------------------------
1. **Reading** all 77 UCI spiral files (15.6 MB of text): ``read_ink`` (parsing, every check,
   units, strokes; the 13 files with a faulty task read with ``tasks=`` set to their good tasks,
   found before timing) against
   ``numpy.loadtxt(delimiter=";")`` and ``pandas.read_csv(sep=";")`` of the same files, which
   check nothing.
2. **Analysis** of the same files: ``analyze`` (resampling, filtering, spiral fit,
   smoothness, loop widths, spectra, tremor, report) on the recordings in memory, against one
   bare ``numpy.fft.rfft`` of x and y per task (the least any spectral tremor measure must do);
   and from file to report, ``analyze(path)`` against ``numpy.loadtxt`` plus the same FFTs.
3. **Pointer JSON** as the web page posts it (a synthetic 69-s writing task at 240 Hz):
   ``read_pointer_json`` (schema check of every sample) against ``json.loads`` alone, and the
   whole ``analyze(bytes)``.
4. **Scaling** of ``analyze`` with the length of a writing task (synthetic, 133 Hz): time per
   minute of writing should stay flat.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from dystonia.exceptions import UnreadableFileError
from dystonia.ink import analyze, read_ink, read_pointer_json, to_pointer_json
from dystonia.ink.synthetic import synthetic_writing

ROOT = Path(__file__).resolve().parents[1]
UCI = ROOT.parent / "shared" / "data" / "uci-spiral"
BEGIN = "<!-- ink-bench:begin -->"
END = "<!-- ink-bench:end -->"


def _best_s(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _readable_tasks(files: list[Path]) -> dict[Path, list[int] | None]:
    """None for files that read whole; else the task ids that read (13 files have a bad task)."""
    plan: dict[Path, list[int] | None] = {}
    for f in files:
        try:
            read_ink(f)
            plan[f] = None
        except UnreadableFileError:
            ids = {int(line.rsplit(";", 1)[1]) for line in f.read_text().splitlines() if line}
            good = []
            for tid in sorted(ids):
                try:
                    read_ink(f, tasks=[tid])
                    good.append(tid)
                except UnreadableFileError:
                    pass
            plan[f] = good
    return plan


def _read_all(plan: dict[Path, list[int] | None]) -> list[object]:
    return [read_ink(f, tasks=tasks) for f, tasks in plan.items()]


def _fft_floor(arrays: list[np.ndarray]) -> None:
    for a in arrays:
        for tid in np.unique(a[:, 6]):
            b = a[a[:, 6] == tid]
            np.fft.rfft(b[:, 0] - b[:, 0].mean())
            np.fft.rfft(b[:, 1] - b[:, 1].mean())


def _floor_end_to_end(files: list[Path]) -> None:
    _fft_floor([np.loadtxt(f, delimiter=";") for f in files])


def run(repeat: int) -> str:
    files = sorted(UCI.glob("*/*.txt"))
    if len(files) != 77:
        raise SystemExit(f"expected the 77 UCI files under {UCI}, found {len(files)}")
    mb = sum(f.stat().st_size for f in files) / 1e6
    n_samples = sum(sum(1 for line in f.open() if line.strip()) for f in files)

    plan = _readable_tasks(files)
    t_ours = _best_s(lambda: _read_all(plan), repeat)
    t_loadtxt = _best_s(lambda: [np.loadtxt(f, delimiter=";") for f in files], repeat)
    t_pandas = _best_s(
        lambda: [pd.read_csv(f, sep=";", header=None).to_numpy() for f in files], repeat
    )
    recs = _read_all(plan)
    n_tasks = sum(len(r.tasks) for r in recs)  # type: ignore[attr-defined]
    t_analyze = _best_s(lambda: [analyze(r) for r in recs], repeat)  # type: ignore[arg-type]
    arrays = [np.loadtxt(f, delimiter=";") for f in files]
    t_fft = _best_s(lambda: _fft_floor(arrays), repeat)
    t_e2e = _best_s(lambda: [analyze(f, tasks=plan[f]) for f in files], repeat)
    t_e2e_floor = _best_s(lambda: _floor_end_to_end(files), repeat)

    task, _ = synthetic_writing(lines=12, words_per_line=4, fs_hz=240.0, seed=1)
    doc = to_pointer_json(task, kind="writing")
    body = json.dumps(doc).encode()
    n_json = task.n_samples
    t_json_floor = _best_s(lambda: json.loads(body), repeat)
    t_json = _best_s(lambda: read_pointer_json(body), repeat)
    t_json_an = _best_s(lambda: analyze(body), repeat)

    scale_rows = []
    for lines in (4, 16, 64):
        w, _ = synthetic_writing(lines=lines, seed=2)
        minutes = w.duration_s / 60
        t = _best_s(lambda w=w: analyze(w), repeat)  # type: ignore[misc]
        scale_rows.append((lines, minutes, t, t / minutes))

    read_rate = n_samples / t_ours / 1e6
    lines = [
        f"Command: `python benchmarks/bench_ink.py --repeat {repeat}` (best of {repeat}; Python"
        f" {platform.python_version()}, numpy {np.__version__}; the shared 2-core machine varies"
        " by about ±30 %, more when other jobs run).",
        "",
        f"All 77 UCI spiral files ({mb:.1f} MB, {n_samples:,} samples, {n_tasks} tasks):",
        "",
        "| step | ours | baseline run side by side | ours / baseline |",
        "|---|---|---|---|",
        f"| read | `read_ink` {t_ours:.2f} s ({read_rate:.1f} M samples/s, every value checked)"
        f" | `numpy.loadtxt` {t_loadtxt:.2f} s; `pandas.read_csv` {t_pandas:.2f} s (no checks)"
        f" | {t_ours / t_loadtxt:.2f}x; {t_ours / t_pandas:.2f}x |",
        f"| analyse (data in memory) | `analyze` {t_analyze:.2f} s"
        f" ({1000 * t_analyze / n_tasks:.0f} ms per task) | one bare `numpy.fft.rfft` of x and y"
        f" per task, {1000 * t_fft:.0f} ms | {t_analyze / t_fft:.0f}x |",
        f"| file to report | `analyze(path)` {t_e2e:.2f} s | floor: `numpy.loadtxt` + the bare"
        f" FFTs, {t_e2e_floor:.2f} s | {t_e2e / t_e2e_floor:.1f}x |",
        "",
        f"Pointer JSON as a web page posts it ({task.duration_s:.0f}-s writing, {n_json:,} samples"
        " at 240 Hz,"
        f" {len(body) / 1e6:.1f} MB):",
        "",
        "| step | ours | baseline | ours / baseline |",
        "|---|---|---|---|",
        f"| parse + schema check | `read_pointer_json` {1000 * t_json:.0f} ms"
        f" | `json.loads` {1000 * t_json_floor:.0f} ms | {t_json / t_json_floor:.1f}x |",
        f"| whole report | `analyze(bytes)` {1000 * t_json_an:.0f} ms | - | - |",
        "",
        "Scaling with the length of a writing task (synthetic, 133 Hz):",
        "",
        "| lines | minutes of writing | analyze | per minute |",
        "|---|---|---|---|",
    ]
    lines += [f"| {n} | {m:.1f} | {t:.2f} s | {pm:.2f} s |" for n, m, t, pm in scale_rows]
    return "\n".join(lines)


def write_section(path: Path, body: str) -> None:
    """Replace the Ink section of docs/benchmarks.md, or append it at the end (one write)."""
    section = f"{BEGIN}\n## Ink (pen and spiral analysis, issue 6)\n\n{body}\n{END}"
    text = path.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)
    body = run(args.repeat)
    print(body)
    if args.write:
        write_section(ROOT / "docs" / "benchmarks.md", body)
        print("\nwrote the Ink section of docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
