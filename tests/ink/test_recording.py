"""InkTask / InkRecording: the one validated type between readers and analyses."""

from __future__ import annotations

import numpy as np
import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.ink import InkRecording, InkTask
from dystonia.ink.recording import strokes_from_pen


def _task(**kw: object) -> InkTask:
    t = np.arange(10) / 100.0
    args: dict[str, object] = {"time_s": t, "x_mm": t * 10, "y_mm": t * 5}
    args.update(kw)
    return InkTask.from_samples(**args)  # type: ignore[arg-type]


def test_from_samples_numbers_strokes_and_properties() -> None:
    t = np.array([0.0, 0.01, 0.02, 0.5, 0.51, 0.52, 0.53])
    down = np.array([1, 1, 0, 1, 1, 1, 1], dtype=bool)
    task = InkTask.from_samples(t, t, t, pen_down=down)
    assert task.stroke.tolist() == [0, 0, -1, 1, 1, 1, 1]
    assert task.n_strokes == 2
    assert task.duration_s == pytest.approx(0.53)
    assert task.fs_hz == pytest.approx(100.0)


def test_a_pause_splits_a_stroke_even_with_the_pen_down() -> None:
    t = np.array([0.0, 0.01, 0.02, 0.3, 0.31])
    assert strokes_from_pen(t, np.ones(5, bool)).tolist() == [0, 0, 0, 1, 1]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        (
            {"time_s": np.array([0.0, 0.01, 0.01, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09])},
            "time_s[2]",
        ),
        ({"x_mm": np.r_[np.zeros(9), np.nan]}, "x_mm[9]"),
        ({"pressure": np.r_[np.zeros(9), 1.5]}, "pressure[9]"),
        ({"y_mm": np.zeros(3)}, "y_mm"),
        ({"kind": "scribble"}, "kind"),
    ],
)
def test_invalid_samples_name_the_field(kw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        _task(**kw)
    assert err.value.field == field


def test_one_sample_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="at least 2"):
        InkTask.from_samples(np.zeros(1), np.zeros(1), np.zeros(1))


def test_recording_needs_unique_task_ids() -> None:
    a = _task()
    with pytest.raises(InvalidInputError, match="not unique"):
        InkRecording(tasks=(a, a))
    with pytest.raises(InvalidInputError):
        InkRecording(tasks=())
