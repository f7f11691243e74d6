"""Motion analysis of wearable inertial recordings: tremor, posture and smoothness.

Inputs are :class:`Recording` objects (time in s, accelerometer in g, gyroscope in deg/s), as
returned by every reader in :mod:`dystonia.motion.io`, or a file path, or a table with the
contract columns. The cores are pure (no files, no printing); the ``dystonia motion`` command
is a thin shell over them.

Analysis
--------
analyze
    Tremor report of one recording (streams files in chunks; memory stays flat).
analyze_stream
    The same from an iterator of :class:`Recording` chunks.
compare
    Per-task comparison (rest, posture, writing, walking forward vs backward...).
MotionReport, CompareReport
    Results; ``.to_dict()`` gives the contract JSON.
MotionParams, TremorParams, PrepareParams, NonWearParams
    Every threshold, with its source.

Building blocks
---------------
tremor_stability_index
    di Biase 2017 TSI of one continuous signal.
head_posture, head_rotation
    Head tilt from gravity and rotation relative to a trunk sensor, with TWSTRS bands.
sparc, ldlj
    Movement smoothness (spectral arc length, log dimensionless jerk).

Plots (optional, needs matplotlib): :func:`dystonia.motion.plot.plot_report`.

Submodules: ``prepare`` (sampling, gaps, gravity, non-wear), ``tremor``, ``posture``,
``smoothness``, ``report``, ``params``, ``plot``.
"""

from dystonia.motion.params import MotionParams, NonWearParams, PrepareParams, TremorParams
from dystonia.motion.posture import head_posture, head_rotation
from dystonia.motion.recording import Recording
from dystonia.motion.report import (
    CompareReport,
    MotionReport,
    analyze,
    analyze_stream,
    compare,
)
from dystonia.motion.smoothness import ldlj, sparc
from dystonia.motion.tremor import tremor_stability_index

__all__ = [
    "CompareReport",
    "MotionParams",
    "MotionReport",
    "NonWearParams",
    "PrepareParams",
    "Recording",
    "TremorParams",
    "analyze",
    "analyze_stream",
    "compare",
    "head_posture",
    "head_rotation",
    "ldlj",
    "sparc",
    "tremor_stability_index",
]
