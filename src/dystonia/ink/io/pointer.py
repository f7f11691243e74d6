"""Browser pointer-event JSON: what a web drawing page records with ``PointerEvent``.

Schema (version 1; ``docs/ink/formats.md`` has the full text and a JavaScript collector)::

    {
      "version": 1,                          required, the integer 1
      "task": "spiral" | "writing" | "hold" | "auto",   optional (default "auto")
      "task_id": 0,                          optional integer >= 0 (default 0)
      "mm_per_px": 0.2646,                   optional, > 0: size of one CSS pixel in mm
                                             (default 25.4/96, the CSS reference pixel)
      "meta": {"userAgent": "...", ...},     optional, flat object of strings/numbers/booleans
      "strokes": [                           required, 1..100000 strokes, in time order
        [ sample, sample, ... ],             a stroke: pointerdown .. pointerup, >= 1 sample
        ...
      ]
    }

    sample = {"x": 120.5, "y": 88.25,        CSS pixels relative to the drawing surface,
                                             y growing downwards (offsetX/offsetY)
              "t_ms": 15321.7,               PointerEvent.timeStamp in ms
              "pressure": 0.42,              PointerEvent.pressure, 0..1
              "pointerType": "pen",          "pen", "touch" or "mouse"
              ...optional: "tiltX", "tiltY", "twist", "altitudeAngle", "azimuthAngle",
                           "width", "height" (numbers; kept out of the analysis)}

A bare array of strokes (``[[sample, ...], ...]``) is accepted as version 1 with the defaults.
``t_ms`` must increase strictly over the whole recording; every other rule is listed in
``docs/ink/formats.md``. Violations raise :class:`dystonia.exceptions.InvalidInputError` whose
``field`` is the JSON path (``strokes[3][17].t_ms``), so a web API can answer 422 with it.

Pressure is kept only when every sample comes from a pen: browsers report 0.5 for any pressed
mouse button or finger without pressure sensing (W3C Pointer Events), which is not a force.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from dystonia.exceptions import InvalidInputError
from dystonia.ink.io.limits import MAX_FILE_BYTES, MAX_SAMPLES, MAX_STROKES
from dystonia.ink.recording import KINDS, InkRecording, InkTask

__all__ = [
    "CSS_MM_PER_PX",
    "POINTER_JSON_VERSION",
    "POINTER_TYPES",
    "SAMPLE_OPTIONAL",
    "SAMPLE_REQUIRED",
    "TOP_LEVEL_KEYS",
    "read_pointer_json",
    "to_pointer_json",
]

POINTER_JSON_VERSION = 1
#: Millimetres per CSS reference pixel (1/96 inch, CSS Values and Units Level 3).
CSS_MM_PER_PX = 25.4 / 96.0
POINTER_TYPES = ("pen", "touch", "mouse")
SAMPLE_REQUIRED = ("x", "y", "t_ms", "pressure", "pointerType")
SAMPLE_OPTIONAL = ("tiltX", "tiltY", "twist", "altitudeAngle", "azimuthAngle", "width", "height")
TOP_LEVEL_KEYS = ("version", "task", "task_id", "mm_per_px", "meta", "strokes")
_SAMPLE_KEYS = frozenset(SAMPLE_REQUIRED + SAMPLE_OPTIONAL)
_MAX_META_KEYS = 64
_MAX_META_TEXT = 500


def _reject_constant(name: str) -> float:
    raise InvalidInputError("(root)", name, reason=f"{name} is not valid JSON")


def _load(data: bytes | str) -> Any:
    if isinstance(data, bytes | bytearray):
        if len(data) > MAX_FILE_BYTES:
            raise InvalidInputError(
                "(root)", None, reason=f"{len(data)} bytes; the limit is {MAX_FILE_BYTES}"
            )
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(
                "(root)", None, reason=f"not UTF-8 text (undecodable byte at offset {exc.start})"
            ) from None
    else:
        text = data
        if len(text) > MAX_FILE_BYTES:
            raise InvalidInputError(
                "(root)", None, reason=f"{len(text)} characters; the limit is {MAX_FILE_BYTES}"
            )
    if not text.strip():
        raise InvalidInputError("(root)", None, reason="empty document")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            "(root)",
            None,
            reason=f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
        ) from None
    except RecursionError:
        raise InvalidInputError("(root)", None, reason="JSON nested too deeply") from None


def _number(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(field, value, reason=f"{_short(value)} is not a number")
    v = float(value)
    if not math.isfinite(v):
        raise InvalidInputError(field, value, reason=f"{value!r} is not finite")
    return v


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _meta(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInputError("meta", None, reason="must be an object")
    if len(value) > _MAX_META_KEYS:
        raise InvalidInputError("meta", None, reason=f"more than {_MAX_META_KEYS} keys")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if item is not None and not isinstance(item, str | int | float | bool):
            raise InvalidInputError(
                f"meta.{key}", None, reason="must be a string, number, boolean or null"
            )
        if isinstance(item, str) and len(item) > _MAX_META_TEXT:
            raise InvalidInputError(
                f"meta.{key}", None, reason=f"longer than {_MAX_META_TEXT} characters"
            )
        if isinstance(item, float) and not math.isfinite(item):
            raise InvalidInputError(f"meta.{key}", item, reason="is not finite")
        out[str(key)] = item
    return out


def read_pointer_json(
    data: bytes | str | dict[str, Any] | list[Any], *, source: str = "pointer-json"
) -> InkRecording:
    """Read a pointer-event recording posted by a web page (one task).

    Parameters
    ----------
    data : bytes, str, dict or list
        The JSON document as bytes or text, or already parsed (an object, or a bare array of
        strokes). A ``str`` is JSON text, never a file name (use :func:`dystonia.ink.read_ink`
        for files).
    source : str
        Label copied into the recording (never patient-identifying text).

    Returns
    -------
    InkRecording
        One task; x, y in mm (``mm_per_px`` times CSS pixels, y flipped to point up), time in s
        from the first sample, every sample pen-down, strokes as posted.

    Raises
    ------
    InvalidInputError
        With the JSON path of the first problem: invalid JSON, NaN or Infinity, a missing or
        unknown key (with the closest allowed one), a value of the wrong type or range, an
        empty stroke, time that does not increase, more than 100,000 strokes or 2,000,000
        samples, or more than 64 MiB.
    """
    doc = _load(data) if isinstance(data, bytes | bytearray | str) else data
    if isinstance(doc, list):
        doc = {"version": POINTER_JSON_VERSION, "strokes": doc}
    if not isinstance(doc, dict):
        raise InvalidInputError(
            "(root)", None, reason="must be an object with 'strokes' or an array of strokes"
        )
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            raise InvalidInputError(str(key), key, allowed=TOP_LEVEL_KEYS, reason="unknown key")
    if "version" not in doc:
        raise InvalidInputError("version", None, reason="is required (the integer 1)")
    version = doc["version"]
    if isinstance(version, bool) or version != POINTER_JSON_VERSION:
        raise InvalidInputError("version", version, allowed=[POINTER_JSON_VERSION])
    task = doc.get("task", "auto")
    if task not in (*KINDS, "auto"):
        raise InvalidInputError("task", task, allowed=(*KINDS, "auto"))
    task_id = doc.get("task_id", 0)
    if isinstance(task_id, bool) or not isinstance(task_id, int) or task_id < 0:
        raise InvalidInputError("task_id", task_id, reason="must be an integer >= 0")
    scale = _number("mm_per_px", doc.get("mm_per_px", CSS_MM_PER_PX))
    if not 0.0 < scale <= 10.0:
        raise InvalidInputError("mm_per_px", scale, allowed="> 0 and <= 10 mm")
    meta = _meta(doc["meta"]) if "meta" in doc else {}
    if "strokes" not in doc:
        raise InvalidInputError("strokes", None, reason="is required")
    strokes = doc["strokes"]
    if not isinstance(strokes, list):
        raise InvalidInputError("strokes", None, reason="must be an array of strokes")
    if not strokes:
        raise InvalidInputError("strokes", None, reason="is empty; at least one stroke is needed")
    if len(strokes) > MAX_STROKES:
        raise InvalidInputError(
            "strokes", len(strokes), reason=f"{len(strokes)} strokes; the limit is {MAX_STROKES}"
        )
    total = 0
    for i, stroke in enumerate(strokes):
        if not isinstance(stroke, list):
            raise InvalidInputError(f"strokes[{i}]", None, reason="must be an array of samples")
        if not stroke:
            raise InvalidInputError(f"strokes[{i}]", None, reason="is empty")
        total += len(stroke)
        if total > MAX_SAMPLES:
            raise InvalidInputError(
                "strokes", total, reason=f"more than {MAX_SAMPLES} samples in total"
            )
    x = np.empty(total)
    y = np.empty(total)
    t = np.empty(total)
    p = np.empty(total)
    sid = np.empty(total, dtype=np.int32)
    kinds: set[str] = set()
    k = 0
    for i, stroke in enumerate(strokes):
        stroke_type: str | None = None
        for j, sample in enumerate(stroke):
            where = f"strokes[{i}][{j}]"
            if not isinstance(sample, dict):
                raise InvalidInputError(where, None, reason="must be an object")
            for key in sample:
                if key not in _SAMPLE_KEYS:
                    raise InvalidInputError(
                        f"{where}.{key}",
                        key,
                        allowed=SAMPLE_REQUIRED + SAMPLE_OPTIONAL,
                        reason="unknown key",
                    )
            for key in SAMPLE_REQUIRED:
                if key not in sample:
                    raise InvalidInputError(f"{where}.{key}", None, reason="is required")
            x[k] = _number(f"{where}.x", sample["x"])
            y[k] = _number(f"{where}.y", sample["y"])
            t[k] = _number(f"{where}.t_ms", sample["t_ms"])
            pk = _number(f"{where}.pressure", sample["pressure"])
            if not 0.0 <= pk <= 1.0:
                raise InvalidInputError(f"{where}.pressure", pk, allowed="0..1")
            p[k] = pk
            kind = sample["pointerType"]
            if kind not in POINTER_TYPES:
                raise InvalidInputError(f"{where}.pointerType", kind, allowed=POINTER_TYPES)
            if stroke_type is None:
                stroke_type = kind
            elif kind != stroke_type:
                raise InvalidInputError(
                    f"{where}.pointerType",
                    kind,
                    reason=f"{kind!r} inside a {stroke_type!r} stroke (one pointer per stroke)",
                )
            for key in SAMPLE_OPTIONAL:
                if key in sample and sample[key] is not None:
                    _number(f"{where}.{key}", sample[key])
            if k and t[k] <= t[k - 1]:
                raise InvalidInputError(
                    f"{where}.t_ms",
                    t[k],
                    reason=f"time does not increase ({t[k - 1]!r} then {t[k]!r} ms); skip"
                    " repeated coalesced events",
                )
            sid[k] = i
            k += 1
        kinds.add(stroke_type or "")
    if total < 2:
        raise InvalidInputError("strokes", total, reason="1 sample; at least 2 are needed")
    pen_only = kinds == {"pen"}
    recording_task = InkTask(
        time_s=(t - t[0]) / 1000.0,
        x_mm=x * scale,
        y_mm=-y * scale,
        pressure=p if pen_only else None,
        pen_down=np.ones(total, dtype=bool),
        stroke=sid,
        task_id=int(task_id),
        kind=None if task == "auto" else str(task),
    )
    metadata: dict[str, Any] = {
        "mm_per_unit": scale,
        "mm_per_unit_source": (
            "given (mm_per_px)" if "mm_per_px" in doc else "CSS reference pixel (1/96 inch)"
        ),
        "y_axis_in_file": "down",
        "pointer_types": sorted(kinds),
        "time_origin_ms": float(t[0]),
    }
    if not pen_only:
        metadata["pressure_note"] = (
            "pressure not used: only pen pointers measure force (mouse and touch report 0.5"
            " while pressed)"
        )
    if meta:
        metadata["meta"] = meta
    return InkRecording(
        tasks=(recording_task,), source=source, format="pointer-json", metadata=metadata
    )


def to_pointer_json(
    task: InkTask,
    *,
    mm_per_px: float = CSS_MM_PER_PX,
    pointer_type: str = "pen",
    kind: str | None = None,
) -> dict[str, Any]:
    """The pointer-JSON document (version 1) a web page would post for ``task``.

    Only pen-down samples are written (a page records between pointerdown and pointerup), one
    stroke per pen-down run; y is flipped back to CSS's downward axis and times are in ms.
    Used by the tests and to make examples; :func:`read_pointer_json` reads it back.
    """
    if pointer_type not in POINTER_TYPES:
        raise InvalidInputError("pointer_type", pointer_type, allowed=POINTER_TYPES)
    strokes: list[list[dict[str, Any]]] = []
    pressure = task.pressure
    for s in range(task.n_strokes):
        idx = np.flatnonzero(task.stroke == s)
        strokes.append(
            [
                {
                    "x": round(float(task.x_mm[i]) / mm_per_px, 3),
                    "y": round(-float(task.y_mm[i]) / mm_per_px, 3),
                    "t_ms": round(float(task.time_s[i]) * 1000.0, 3),
                    "pressure": 0.5 if pressure is None else round(float(pressure[i]), 4),
                    "pointerType": pointer_type,
                }
                for i in idx
            ]
        )
    doc: dict[str, Any] = {"version": POINTER_JSON_VERSION, "mm_per_px": mm_per_px}
    task_kind = kind if kind is not None else task.kind
    if task_kind is not None:
        doc["task"] = task_kind
    doc["strokes"] = strokes
    return doc
