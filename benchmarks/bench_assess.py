"""Assessments per second in-process, against a named baseline run side by side.

Baseline: validating the same findings into the typed model only (``parse_findings``), i.e. the
unavoidable cost of reading the input; the ratio shows what the rules add on top.

Usage: python benchmarks/bench_assess.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import yaml

from dystonia import assess
from dystonia.clinical.findings import parse_findings

ROOT = Path(__file__).resolve().parents[1]


def _cases() -> list[dict[str, Any]]:
    found = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    published = yaml.safe_load((ROOT / "tests" / "clinical" / "published_cases.yaml").read_text())
    return found + [c["findings"] for c in published]


def _rate(fn: Any, cases: list[dict[str, Any]], seconds: float) -> float:
    rates = []
    for _ in range(5):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 5:
            for case in cases:
                fn(case)
            n += len(cases)
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    cases = _cases()
    assess(cases[0])  # load the knowledge once (start-up)
    # interleave to share machine noise
    base = _rate(parse_findings, cases, args.seconds)
    full = _rate(assess, cases, args.seconds)
    print(f"cases: {len(cases)} (examples + published cases)")
    print(f"baseline parse_findings: {base:,.0f} per s")
    print(f"assess (full engine):    {full:,.0f} per s  = {1000 / full:.3f} ms per assessment")
    print(f"ratio assess / baseline time: {base / full:.1f}x")


if __name__ == "__main__":
    main()
