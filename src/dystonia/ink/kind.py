"""Which task a pen recording is: a spiral, handwriting, or holding the pen still.

Used only when neither the file (UCI TestID, pointer JSON ``task``) nor the caller says it.
A path that fits in a small box is a hold; a path that winds around one centre for more than
``spiral_min_turns`` turns, with its angle growing along most of it and a small residual from an
Archimedean spiral, is a spiral; anything else is writing. The thresholds are in
:class:`dystonia.ink.params.KindParams`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dystonia.ink.params import KindParams
from dystonia.ink.prepare import Run, lowpass
from dystonia.ink.recording import InkTask
from dystonia.ink.spiral import fit_spiral

__all__ = ["KindDecision", "detect_kind"]

#: Low-pass (Hz) of the path whose shape is judged: below tremor, above the turn rate of a
#: spiral (about 0.2-1 turns per second).
_SHAPE_HZ = 2.0


@dataclass(frozen=True)
class KindDecision:
    """The detected kind and the numbers it was decided on."""

    kind: str
    extent_mm: float
    turns: float | None
    monotonic_fraction: float | None
    residual_fraction: float | None


def detect_kind(
    task: InkTask, runs: Sequence[Run], params: KindParams | None = None
) -> KindDecision:
    """Decide spiral, writing or hold (see the module docstring)."""
    p = params or KindParams()
    down = task.pen_down
    x = task.x_mm[down] if down.any() else task.x_mm
    y = task.y_mm[down] if down.any() else task.y_mm
    extent = float(np.hypot(np.ptp(x), np.ptp(y)))
    if extent <= p.hold_max_extent_mm or not runs or sum(r.n for r in runs) < 10:
        return KindDecision("hold", extent, None, None, None)
    # the shape, not the tremor: a 2-Hz low-pass keeps a spiral's turns and removes tremor
    px = np.concatenate([lowpass(r.x_lp, _SHAPE_HZ, r.fs_hz) for r in runs])
    py = np.concatenate([lowpass(r.y_lp, _SHAPE_HZ, r.fs_hz) for r in runs])
    fit = fit_spiral(px, py)
    turns = fit.turns
    mono = fit.monotonic_fraction
    resid = float(np.sqrt(np.mean(fit.residual_mm**2)) / max(float(fit.radius.max()), 1e-9))
    is_spiral = (
        turns >= p.spiral_min_turns
        and mono >= p.spiral_min_monotonic
        and resid <= p.spiral_max_residual_fraction
    )
    return KindDecision("spiral" if is_spiral else "writing", extent, turns, mono, resid)
