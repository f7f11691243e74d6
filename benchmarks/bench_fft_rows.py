"""Why the motion band-pass pads its three axes with a zero row: batched FFT cost per row count.

Run from the repository root::

    python benchmarks/bench_fft_rows.py            # 40 interleaved rounds
    python benchmarks/bench_fft_rows.py --rounds 10

scipy's pocketfft transforms several single-precision rows at once with vector instructions
(four on the x86-64 wheels) and the remaining rows one at a time. The tremor analysis
band-passes each block of 256 windows (102,800 samples with context, 103,600 after mirror
extension, rounded up to a fast transform length) axis by axis: three rows. This script times,
side by side in one process, a forward and inverse transform of

* ``3 rows`` (the baseline: one row per axis),
* ``4 rows`` (the same three axes plus one row of zeros, what
  :func:`dystonia.motion.tremor.band_pass_flat_rows` does),
* ``8 rows`` (two blocks' axes plus two zero rows, reported per block for comparison),

and the whole :func:`~dystonia.motion.tremor.band_pass_flat_rows` call on one block with the
padding on and off. The rounds are interleaved, so load from other work on the machine falls
on all variants alike; medians are reported, and ratios against the three-row baseline.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import scipy.fft

import dystonia.motion.tremor as tremor

FS_HZ = 100.0
BLOCK_N = 102_800  # 256 windows of 400 samples plus 2 s of context on each side


def _per_call_ms(work: Callable[[], object], calls: int = 5) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        work()
    return (time.perf_counter() - started) / calls * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)

    m = scipy.fft.next_fast_len(BLOCK_N + 800, real=True)
    rng = np.random.default_rng(0)
    inputs = {rows: rng.standard_normal((rows, m)).astype(np.float32) for rows in (3, 4, 8)}
    spectra = {rows: scipy.fft.rfft(x, axis=1) for rows, x in inputs.items()}
    block = rng.standard_normal((3, BLOCK_N)) * 50.0

    def transforms(rows: int) -> Callable[[], object]:
        def run() -> object:
            scipy.fft.rfft(inputs[rows], axis=1)
            return scipy.fft.irfft(spectra[rows], n=m, axis=1)

        return run

    def band_pass(group: int) -> Callable[[], object]:
        def run() -> object:
            tremor._FFT_ROW_GROUP = group
            return tremor.band_pass_flat_rows(block, FS_HZ, (3.0, 12.0), transition_hz=0.5)

        return run

    variants: dict[str, tuple[Callable[[], object], float]] = {
        "3 rows (one block, baseline)": (transforms(3), 1.0),
        "4 rows (one block + zero row)": (transforms(4), 1.0),
        "8 rows (per block of 3 axes)": (transforms(8), 3.0 / 8.0),
        "band_pass_flat_rows, no padding": (band_pass(1), 1.0),
        "band_pass_flat_rows, padded to 4": (band_pass(4), 1.0),
    }
    saved = tremor._FFT_ROW_GROUP
    times: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for work, _ in variants.values():
            work()  # plans and scratch arrays built before timing
        for _ in range(args.rounds):
            for name, (work, scale) in variants.items():
                times[name].append(_per_call_ms(work) * scale)
    finally:
        tremor._FFT_ROW_GROUP = saved

    print(f"forward + inverse real FFT of length {m:,d}, float32; median of {args.rounds} rounds")
    base_fft = float(np.median(times["3 rows (one block, baseline)"]))
    base_bp = float(np.median(times["band_pass_flat_rows, no padding"]))
    for name, values in times.items():
        med = float(np.median(values))
        base = base_bp if name.startswith("band_pass") else base_fft
        print(f"  {name:<34} {med:7.3f} ms per block   {base / med:5.2f}x the baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
