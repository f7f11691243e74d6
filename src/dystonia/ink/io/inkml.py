"""W3C Ink Markup Language (InkML, Recommendation 20 September 2011), the parts pen analysis needs.

Read: the first ``<traceFormat>`` of the document (inside ``<definitions>``/``<context>``/
``<inkSource>`` or at the top), its ``<channel>`` elements in order (``X``, ``Y``, ``T`` needed;
``F`` tip force and ``S`` tip switch used when present; others skipped), and every ``<trace>``
in document order (also inside ``<traceGroup>``). Each ``<trace>`` is one stroke; a trace with
``type="penUp"`` is in-air samples. Points are separated by commas, values by white space;
``T``/``F`` are accepted for boolean channels.

Units come from each channel's ``units`` attribute: ``mm``, ``cm``, ``m``, ``in``, ``pt`` for X
and Y; ``s``, ``ms``, ``us`` for T. X/Y without units need ``mm_per_unit``; T without units is an
error (nothing is guessed). Tip force ``F`` is divided by the channel's ``max``; without ``max``
its values must already be within 0..1.

Direction: X grows to the right and Y downwards unless the channel says ``orientation="-ve"``
(taken as the spec's default screen-like frame [unverified: check against the InkML text]);
``y_axis`` overrides it.

Not supported, and refused with a clear message rather than misread: difference-encoded values
(the ``'`` and ``"`` prefixes), ``*``/``?`` placeholders, intermittent channels, and trace
formats referenced from other files. XML with a DOCTYPE or entity declarations is refused (the
defence against entity-expansion attacks; InkML needs neither).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

from dystonia.exceptions import UnreadableFileError
from dystonia.ink.io.limits import MAX_SAMPLES, MAX_STROKES, read_limited
from dystonia.ink.io.text import show
from dystonia.ink.recording import InkRecording, InkTask

__all__ = ["INKML_NAMESPACE", "parse_inkml", "read_inkml"]

INKML_NAMESPACE = "http://www.w3.org/2003/InkML"
_LENGTH_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4, "pt": 25.4 / 72.0}
_TIME_S = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6}
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


def _local(tag: Any) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def read_inkml(
    path: str | Path, *, mm_per_unit: float | None = None, y_axis: str | None = None
) -> InkRecording:
    """Read an InkML file (one task).

    Parameters
    ----------
    path : str or Path
    mm_per_unit : float, optional
        Millimetres per X/Y unit; overrides the channels' ``units`` (needed when they have none).
    y_axis : {"up", "down"}, optional
        Direction of increasing Y in the file (default: from the Y channel's orientation).

    Raises
    ------
    UnreadableFileError
        Not well-formed XML, a DOCTYPE, no ``<ink>`` root, no X/Y/T channel, unknown units, a
        point with the wrong number of values, unsupported encodings, time that does not
        increase, too many traces or samples.
    """
    data = read_limited(path)
    return parse_inkml(data, source=str(path), mm_per_unit=mm_per_unit, y_axis=y_axis)


def _channels(source: str, root: ET.Element) -> tuple[list[dict[str, str]], ET.Element | None]:
    fmt = None
    for el in root.iter():
        if _local(el.tag) == "traceFormat" and any(
            _local(c.tag) in ("channel", "intermittentChannels") for c in el.iter()
        ):
            fmt = el
            break
    if fmt is None:
        # InkML's default trace format is X Y (no time): analysis needs time
        raise UnreadableFileError(
            source,
            "no <traceFormat> with channels: the default format (X, Y) has no time channel T",
        )
    channels: list[dict[str, str]] = []
    for el in fmt.iter():
        name = _local(el.tag)
        if name == "intermittentChannels" and len(el):
            raise UnreadableFileError(source, "intermittent channels are not supported")
        if name == "channel":
            channels.append({k: str(v) for k, v in el.attrib.items()})
    return channels, fmt


def parse_inkml(
    data: bytes,
    *,
    source: str = "inkml",
    mm_per_unit: float | None = None,
    y_axis: str | None = None,
) -> InkRecording:
    """Parse the bytes of an InkML document (see :func:`read_inkml`)."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UnreadableFileError(
            source, "DOCTYPE or entity declarations are not accepted in InkML files"
        )
    if y_axis not in (None, "up", "down"):
        raise UnreadableFileError(source, f"y_axis must be 'up' or 'down', not {y_axis!r}")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise UnreadableFileError(
            source, f"not well-formed XML at line {line} column {col + 1}"
        ) from None
    if _local(root.tag) != "ink":
        raise UnreadableFileError(source, f"root element is <{_local(root.tag)}>, not <ink>")
    channels, _ = _channels(source, root)
    names = [c.get("name", "") for c in channels]
    for needed in ("X", "Y", "T"):
        if needed not in names:
            what = "time stamps" if needed == "T" else "positions"
            raise UnreadableFileError(
                source,
                f"no channel {needed!r} in <traceFormat> (channels: {', '.join(names) or 'none'});"
                f" the analysis needs {what}",
            )
    ch = {c["name"]: c for c in channels if "name" in c}
    # units
    if mm_per_unit is not None:
        if not (np.isfinite(mm_per_unit) and mm_per_unit > 0):
            raise UnreadableFileError(source, f"mm_per_unit must be > 0, not {mm_per_unit!r}")
        scale_x = scale_y = float(mm_per_unit)
        scale_source = "given"
    else:
        scales = []
        for axis in ("X", "Y"):
            unit = ch[axis].get("units")
            if unit is None:
                raise UnreadableFileError(
                    source,
                    f"channel {axis} has no units; pass mm_per_unit (command line: --mm-per-unit)",
                )
            if unit not in _LENGTH_MM:
                raise UnreadableFileError(
                    source,
                    f"channel {axis} units {unit!r} not understood; allowed: "
                    + ", ".join(_LENGTH_MM)
                    + "; or pass mm_per_unit",
                )
            scales.append(_LENGTH_MM[unit])
        scale_x, scale_y = scales
        scale_source = "channel units"
    t_unit = ch["T"].get("units")
    if t_unit is None:
        raise UnreadableFileError(source, "channel T has no units; allowed: " + ", ".join(_TIME_S))
    if t_unit not in _TIME_S:
        raise UnreadableFileError(
            source, f"channel T units {t_unit!r} not understood; allowed: " + ", ".join(_TIME_S)
        )
    if y_axis is None:
        y_axis = "up" if ch["Y"].get("orientation") == "-ve" else "down"
    x_sign = -1.0 if ch["X"].get("orientation") == "-ve" else 1.0
    force_max: float | None = None
    if "F" in ch and "max" in ch["F"]:
        try:
            force_max = float(ch["F"]["max"])
        except ValueError:
            raise UnreadableFileError(
                source, f"channel F max {show(ch['F']['max'])} is not a number"
            ) from None
        if not (np.isfinite(force_max) and force_max > 0):
            raise UnreadableFileError(source, f"channel F max {force_max!r} must be > 0")
    column = {name: i for i, name in enumerate(names)}
    boolean = {i for i, c in enumerate(channels) if c.get("type") == "boolean"}
    traces = [el for el in root.iter() if _local(el.tag) == "trace"]
    if not traces:
        raise UnreadableFileError(source, "no <trace> elements")
    if len(traces) > MAX_STROKES:
        raise UnreadableFileError(source, f"{len(traces)} traces; the limit is {MAX_STROKES}")
    rows: list[list[float]] = []
    stroke_ids: list[int] = []
    down_flags: list[bool] = []
    width = len(names)
    n_down = 0
    for k, trace in enumerate(traces):
        kind = trace.get("type", "penDown")
        if kind not in ("penDown", "penUp", "indeterminate"):
            raise UnreadableFileError(source, f"trace {k + 1}: type {kind!r} is not known")
        text = (trace.text or "").strip()
        if not text:
            raise UnreadableFileError(source, f"trace {k + 1}: no points")
        is_down = kind != "penUp"
        if is_down:
            n_down += 1
        if len(rows) + text.count(",") + 1 > MAX_SAMPLES:  # before splitting the trace
            raise UnreadableFileError(source, f"more than {MAX_SAMPLES} samples")
        for m, point in enumerate(text.split(",")):
            tokens = point.split()
            if len(tokens) != width:
                raise UnreadableFileError(
                    source,
                    f"trace {k + 1}, point {m + 1}: {len(tokens)} values where the trace format"
                    f" has {width} ({', '.join(names)}); got {show(point.strip())}",
                )
            values = []
            for j, token in enumerate(tokens):
                if j in boolean and token in ("T", "F"):
                    values.append(1.0 if token == "T" else 0.0)
                    continue
                if not _NUMBER.match(token):
                    what = (
                        "difference-encoded values (' and \" prefixes) are not supported"
                        if token[:1] in ("'", '"', "!")
                        else f"{show(token)} is not a number"
                    )
                    raise UnreadableFileError(
                        source, f"trace {k + 1}, point {m + 1}, channel {names[j]}: {what}"
                    )
                values.append(float(token))
            rows.append(values)
            stroke_ids.append(k)
            down_flags.append(is_down)
            if len(rows) > MAX_SAMPLES:
                raise UnreadableFileError(source, f"more than {MAX_SAMPLES} samples")
    table = np.asarray(rows, dtype=np.float64)
    if not np.isfinite(table).all():
        raise UnreadableFileError(source, "non-finite value in a trace")
    if len(rows) < 2:
        raise UnreadableFileError(source, "1 point; at least 2 are needed")
    t = table[:, column["T"]] * _TIME_S[t_unit]
    dt = np.diff(t)
    back = np.flatnonzero(dt <= 0)
    if back.size:
        i = int(back[0]) + 1
        raise UnreadableFileError(
            source,
            f"trace {stroke_ids[i] + 1}: time does not increase ({table[i - 1, column['T']]:g}"
            f" then {table[i, column['T']]:g} {t_unit}); traces must be in time order",
        )
    down = np.asarray(down_flags)
    if "S" in column:
        down = down & (table[:, column["S"]] > 0)
    pressure = None
    if "F" in column:
        f = table[:, column["F"]]
        pressure = f / force_max if force_max is not None else f
        bad = np.flatnonzero(~((pressure >= 0) & (pressure <= 1)))
        if bad.size:
            i = int(bad[0])
            raise UnreadableFileError(
                source,
                f"trace {stroke_ids[i] + 1}: tip force {f[i]:g} is outside 0..1"
                + ("" if force_max is None else f" after dividing by max {force_max:g}")
                + "; give channel F a max attribute",
            )
    sid = np.asarray(stroke_ids, dtype=np.int32)
    # number strokes 0.. among pen-down traces only
    stroke = np.full(sid.shape, -1, dtype=np.int32)
    if down.any():
        _, stroke_down = np.unique(sid[down], return_inverse=True)
        # split a trace where the tip switch lifts inside it
        stroke_down = stroke_down.astype(np.int32)
        stroke[down] = stroke_down
        stroke = _split_at_lifts(stroke, down)
    y_sign = 1.0 if y_axis == "up" else -1.0
    task = InkTask(
        time_s=t - t[0],
        x_mm=x_sign * table[:, column["X"]] * scale_x,
        y_mm=y_sign * table[:, column["Y"]] * scale_y,
        pressure=pressure,
        pen_down=down,
        stroke=stroke,
    )
    meta = {
        "mm_per_unit": scale_x if scale_x == scale_y else [scale_x, scale_y],
        "mm_per_unit_source": scale_source,
        "y_axis_in_file": y_axis,
        "channels": names,
        "traces": len(traces),
        "pen_down_traces": n_down,
    }
    return InkRecording(tasks=(task,), source=source, format="inkml", metadata=meta)


def _split_at_lifts(stroke: np.ndarray[Any, Any], down: np.ndarray[Any, Any]) -> Any:
    """Renumber pen-down runs so that a run interrupted by pen-up samples becomes two strokes."""
    n = stroke.shape[0]
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = (~down[:-1]) | (stroke[1:] != stroke[:-1])
    starts = down & new
    ids = np.cumsum(starts) - 1
    out = np.full(n, -1, dtype=np.int32)
    out[down] = ids[down]
    return out
