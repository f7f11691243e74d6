"""Pen and tablet measures: spirals, handwriting and tremor on paper (issue #6).

Inputs are :class:`InkRecording` objects (one or more :class:`InkTask` time series in mm and s,
y up), as returned by every reader in :mod:`dystonia.ink.io`, a file path, or the pointer-event
JSON a web drawing page posts. The cores are pure (no printing; files are read only when a path
is given); the ``dystonia ink`` command and the web app are thin shells over them. The report
follows ``/work/shared/contracts/ink.md``.

Analysis
--------
analyze
    Report of a file or document: one entry per task, with spiral, writing and tremor measures.
analyze_task
    The same for one :class:`InkTask`.
InkReport, TaskReport
    Results; ``InkReport.to_dict()`` is the contract JSON.
InkParams
    Every threshold, with its source (``PrepareParams``, ``TremorParams``, ``SpiralParams``,
    ``WritingParams``, ``KindParams``).

Reading
-------
read_ink
    Any supported file (UCI tablet text, SVC, InkML, contract CSV, pointer JSON).
read_pointer_json
    A browser pointer-event document (bytes, text, or parsed); schema in ``docs/ink/formats.md``.
to_pointer_json
    The inverse, for tests and demonstrations.

Building blocks
---------------
fit_spiral, analyze_spiral
    Archimedean spiral geometry (Pullman 1998; centre detection after Wang et al. 2008).
analyze_writing
    Strokes, stroke frequency, velocity inversions, pressure, pen lifts, lines, deterioration.
pen_tremor
    Tremor frequency, amplitude (mm), axis and axis strength of a pen path.

Plots (matplotlib): :func:`dystonia.ink.plot.plot_report`. Synthetic drawings with known
answers: :mod:`dystonia.ink.synthetic`.
"""

from dystonia.ink.io import FORMATS, detect_format, read_ink, read_pointer_json
from dystonia.ink.io.pointer import to_pointer_json
from dystonia.ink.params import (
    InkParams,
    KindParams,
    PrepareParams,
    SpiralParams,
    TremorParams,
    WritingParams,
)
from dystonia.ink.recording import KINDS, InkRecording, InkTask
from dystonia.ink.report import TASKS, InkReport, TaskReport, analyze, analyze_task
from dystonia.ink.spiral import analyze_spiral, fit_spiral
from dystonia.ink.tremor import pen_tremor
from dystonia.ink.writing import analyze_writing

__all__ = [
    "FORMATS",
    "KINDS",
    "TASKS",
    "InkParams",
    "InkRecording",
    "InkReport",
    "InkTask",
    "KindParams",
    "PrepareParams",
    "SpiralParams",
    "TaskReport",
    "TremorParams",
    "WritingParams",
    "analyze",
    "analyze_spiral",
    "analyze_task",
    "analyze_writing",
    "detect_format",
    "fit_spiral",
    "pen_tremor",
    "read_ink",
    "read_pointer_json",
    "to_pointer_json",
]
