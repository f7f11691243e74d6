"""Which task a recording is when nobody says: spiral, writing or hold."""

from __future__ import annotations

import dataclasses

import pytest

from dystonia.ink import analyze_task, read_ink
from dystonia.ink.synthetic import synthetic_hold, synthetic_spiral, synthetic_writing

from ._data import uci


@pytest.mark.parametrize("seed", [0, 1])
def test_synthetic_kinds_are_detected(seed: int) -> None:
    assert analyze_task(synthetic_spiral(seed=seed, tremor_hz=5, tremor_mm=1.5)).kind == "spiral"
    assert analyze_task(synthetic_writing(lines=2, seed=seed)[0]).kind == "writing"
    assert analyze_task(synthetic_hold(seed=seed)).kind == "hold"


def test_real_uci_spirals_are_detected_as_spirals() -> None:
    for name in ("C_0003.txt", "H_P000-0035.txt"):  # smooth control; large 7-8 Hz tremor
        for task in read_ink(uci(name), tasks=[0, 1]).tasks:
            rep = analyze_task(dataclasses.replace(task, kind=None))
            assert rep.kind == "spiral" and rep.kind_source == "detected"


def test_format_kind_and_caller_kind() -> None:
    task = read_ink(uci("C_0010.txt"), tasks=[2]).tasks[0]
    assert analyze_task(task).kind_source == "format"
    forced = analyze_task(task, "writing")
    assert forced.kind == "writing" and forced.kind_source == "given"
