"""W3C InkML: channels, units, traces as strokes, refused constructs."""

from __future__ import annotations

from pathlib import Path

import pytest

from dystonia.exceptions import UnreadableFileError
from dystonia.ink import read_ink
from dystonia.ink.io import read_inkml

NS = 'xmlns="http://www.w3.org/2003/InkML"'


def _doc(traces: str, channels: str | None = None) -> str:
    channels = channels or (
        '<channel name="X" type="decimal" units="cm"/>'
        '<channel name="Y" type="decimal" units="cm"/>'
        '<channel name="T" type="decimal" units="ms"/>'
        '<channel name="F" type="decimal" max="1024"/>'
    )
    return (
        f'<?xml version="1.0"?><ink {NS}><definitions><context xml:id="c">'
        f"<traceFormat>{channels}</traceFormat></context></definitions>{traces}</ink>"
    )


def _trace(t0: int, n: int = 20, kind: str = "") -> str:
    attr = f' type="{kind}"' if kind else ""
    pts = ", ".join(f"{1 + 0.1 * i} {2 + 0.05 * i} {t0 + 10 * i} 512" for i in range(n))
    return f"<trace{attr}>{pts}</trace>"


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "ink.inkml"
    p.write_text(text)
    return p


def test_inkml_traces_become_strokes_in_mm(tmp_path: Path) -> None:
    doc = _doc(
        _trace(0) + _trace(300, kind="penUp") + "<traceGroup>" + _trace(600) + "</traceGroup>"
    )
    rec = read_ink(_write(tmp_path, doc))
    task = rec.tasks[0]
    assert rec.format == "inkml"
    assert task.n_samples == 60
    assert task.n_strokes == 2
    assert not task.pen_down[20:40].any()
    assert task.x_mm[0] == pytest.approx(10.0)  # 1 cm
    assert task.y_mm[0] == pytest.approx(-20.0)  # default Y grows downwards
    assert task.pressure is not None and task.pressure[0] == pytest.approx(0.5)
    assert task.fs_hz == pytest.approx(100.0)


def test_orientation_and_scale_options(tmp_path: Path) -> None:
    channels = (
        '<channel name="X"/><channel name="Y" orientation="-ve"/><channel name="T" units="s"/>'
    )
    pts = ", ".join(f"{i} {2 * i} {i * 0.01}" for i in range(10))
    p = _write(tmp_path, _doc(f"<trace>{pts}</trace>", channels))
    with pytest.raises(UnreadableFileError, match="channel X has no units; pass mm_per_unit"):
        read_inkml(p)
    task = read_inkml(p, mm_per_unit=0.5).tasks[0]
    assert task.y_mm[3] == pytest.approx(3.0)  # -ve orientation: Y up
    assert task.time_s[1] == pytest.approx(0.01)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<ink", "not well-formed XML"),
        ('<?xml version="1.0"?><!DOCTYPE ink [<!ENTITY a "b">]><ink/>', "DOCTYPE or entity"),
        (f"<svg {NS}/>", r"root element is <svg>"),
        (
            _doc(_trace(0), '<channel name="X" units="mm"/><channel name="Y" units="mm"/>'),
            "no channel 'T'",
        ),
        (_doc(_trace(0).replace(" 512", "")), r"point 1: 3 values where the trace format has 4"),
        (_doc("<trace>1 2 3 4, '1 '2 '3 '4</trace>"), "difference-encoded values"),
        (_doc(_trace(100) + _trace(0)), "time does not increase"),
        (_doc(""), "no <trace> elements"),
        (_doc("<trace> </trace>"), "trace 1: no points"),
        (_doc(_trace(0).replace(" 512", " 2000")), r"tip force 2000 is outside 0..1"),
        (
            _doc(
                _trace(0),
                '<channel name="X" units="mm"/><channel name="Y" units="mm"/><channel name="T"/>',
            ),
            "channel T has no units",
        ),
        (
            _doc(
                _trace(0),
                '<channel name="X" units="furlong"/><channel name="Y" units="mm"/><channel name="T" units="ms"/><channel name="F"/>',
            ),
            "units 'furlong' not understood",
        ),
        (f"<ink {NS}><trace>1 2, 3 4</trace></ink>", "no <traceFormat> with channels"),
    ],
)
def test_bad_inkml(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UnreadableFileError, match=message):
        read_inkml(_write(tmp_path, text))
