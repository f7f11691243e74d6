"""Scoring throughput per rating scale, beside a named baseline.

Baseline ``dict_sum``: ``sum(items.values())`` over the same item mapping, i.e. the cost of an
unvalidated plain sum. The ratio says how many times slower full validation and scoring are.

Run: ``python benchmarks/bench_scales.py [--seconds 0.3]``
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable

from dystonia.scales import get_scale, list_scales
from dystonia.scales.data_driven import DataDrivenScale


def _max_items(name: str) -> dict[str, float | None]:
    scale = get_scale(name)
    assert isinstance(scale, DataDrivenScale)
    # every item at its maximum: valid for every scale (including Tsui's zero_together pair)
    return {item.id: item.max for item in scale.definition.items}


def _dict_sum(items: dict[str, float]) -> float:
    """The baseline: an unvalidated plain sum of the item values."""
    return sum(items.values())


def _rate_per_s(func: Callable[[], object], seconds: float) -> float:
    calls, start = 0, time.perf_counter()
    batch = 100
    while True:
        for _ in range(batch):
            func()
        calls += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.3, help="time per measurement")
    args = parser.parse_args()
    print(f"{'scale':<20}{'items':>6}{'scores/s':>14}{'dict_sum/s':>14}{'ratio':>9}")
    for name in list_scales():
        items = _max_items(name)
        scale = get_scale(name)
        numbers = {k: float(v) for k, v in items.items() if v is not None}
        scored = _rate_per_s(functools.partial(scale.score, items), args.seconds)
        baseline = _rate_per_s(functools.partial(_dict_sum, numbers), args.seconds)
        ratio = baseline / scored
        print(f"{name:<20}{len(items):>6}{scored:>14,.0f}{baseline:>14,.0f}{ratio:>8.1f}x")


if __name__ == "__main__":
    main()
