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

JSON text is read one sample at a time into arrays (:class:`_Scanner`), never as a whole tree:
Python's ``json`` takes up to about 30 times the text for small objects, strings or keys, while
a sample here is parsed alone, within :data:`MAX_SAMPLE_CHARS`, checked and kept as four numbers.
Problems are reported in the same order as for a parsed document: top-level keys first, then the
strokes' shape, then the first bad sample.
"""

from __future__ import annotations

import json
import math
import re
import sys
from array import array
from collections.abc import Callable
from typing import Any

import numpy as np

from dystonia.exceptions import InvalidInputError
from dystonia.ink.io.limits import MAX_FILE_BYTES, MAX_SAMPLES, MAX_STROKES
from dystonia.ink.recording import KINDS, InkRecording, InkTask

__all__ = [
    "CSS_MM_PER_PX",
    "MAX_SAMPLE_CHARS",
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
#: Longest text of one sample (every key at full precision, pretty-printed, is under 1000).
MAX_SAMPLE_CHARS = 4096
_SAMPLE_KEYS = frozenset(SAMPLE_REQUIRED + SAMPLE_OPTIONAL)
_MAX_META_KEYS = 64
_MAX_META_TEXT = 500
_MAX_META_CHARS = 65536  # 64 keys of 500 characters, with their names
_MAX_VALUE_CHARS = 4096  # any other top-level value that is an array or an object
_MAX_INT_DIGITS = 4300  # Python's limit for converting text to int (sys.int_info)


# ------------------------------------------------------------------------------ values
def _reject_constant(name: str) -> float:
    raise InvalidInputError("(root)", name, reason=f"{name} is not valid JSON")


def _read_int(text: str) -> int:
    """``int(text)``, refusing what Python cannot convert (more than 4300 digits)."""
    digits = len(text.lstrip("-"))
    if digits > _MAX_INT_DIGITS:
        raise InvalidInputError(
            "(root)", None, reason=f"an integer of {digits} digits is beyond the range of a number"
        )
    return int(text)


def _int_digits(value: int) -> int:
    """Decimal digits of ``value`` without printing it (``str`` fails from 4300 digits)."""
    if value.bit_length() < 10_000:
        return len(str(abs(value)))
    return int(value.bit_length() * math.log10(2)) + 1


class _Large:
    """An array or object too long to be a value of this format, in place of its value."""

    def __init__(self, kind: str, chars: int) -> None:
        self.kind = kind
        self.chars = chars

    def __repr__(self) -> str:
        return f"<an {self.kind} of {self.chars} characters>"


def _shown(value: Any) -> Any:
    """``value`` for an error message: an integer too long to print is described instead."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1024:
        return f"an integer of {_int_digits(value)} digits"
    return value


def _number(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(field, value, reason=f"{_short(value)} is not a number")
    try:
        v = float(value)
    except OverflowError:  # an int beyond the range of a double
        digits = _int_digits(int(value))
        raise InvalidInputError(
            field, None, reason=f"an integer of {digits} digits is beyond the range of a number"
        ) from None
    if not math.isfinite(v):
        raise InvalidInputError(field, value, reason=f"{value!r} is not finite")
    return v


def _short(value: Any) -> str:
    text = repr(_shown(value)) if isinstance(value, int) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _meta(value: Any) -> dict[str, Any]:
    if isinstance(value, _Large):
        raise InvalidInputError(
            "meta", None, reason=f"longer than {_MAX_META_CHARS} characters; it is a flat object"
        )
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


# ------------------------------------------------------------------------------ samples
class _Samples:
    """The samples of a document, checked one at a time and kept as arrays.

    ``add`` raises the first problem of a sample; the scanner of JSON text keeps the first
    problem of the strokes' shape and of the samples instead (:meth:`problem`), so that the
    top-level keys are checked first, as for a parsed document.
    """

    def __init__(self) -> None:
        self.x = array("d")
        self.y = array("d")
        self.t = array("d")
        self.p = array("d")
        self.stroke = array("i")
        self.kinds: set[str] = set()
        self.n_strokes = 0
        self.total = 0
        self.shape_error: InvalidInputError | None = None
        self.sample_error: InvalidInputError | None = None
        self._stroke_type: str | None = None

    def begin_stroke(self) -> None:
        self._stroke_type = None

    def add(self, i: int, j: int, sample: Any) -> None:
        where = f"strokes[{i}][{j}]"
        if isinstance(sample, _Large):
            raise InvalidInputError(
                where, None, reason=f"longer than {MAX_SAMPLE_CHARS} characters for one sample"
            )
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
        x = _number(f"{where}.x", sample["x"])
        y = _number(f"{where}.y", sample["y"])
        t = _number(f"{where}.t_ms", sample["t_ms"])
        p = _number(f"{where}.pressure", sample["pressure"])
        if not 0.0 <= p <= 1.0:
            raise InvalidInputError(f"{where}.pressure", p, allowed="0..1")
        kind = sample["pointerType"]
        if kind not in POINTER_TYPES:
            raise InvalidInputError(f"{where}.pointerType", _shown(kind), allowed=POINTER_TYPES)
        if self._stroke_type is None:
            self._stroke_type = kind
        elif kind != self._stroke_type:
            raise InvalidInputError(
                f"{where}.pointerType",
                kind,
                reason=f"{kind!r} inside a {self._stroke_type!r} stroke (one pointer per stroke)",
            )
        for key in SAMPLE_OPTIONAL:
            if key in sample and sample[key] is not None:
                _number(f"{where}.{key}", sample[key])
        if self.t and t <= self.t[-1]:
            raise InvalidInputError(
                f"{where}.t_ms",
                t,
                reason=f"time does not increase ({self.t[-1]!r} then {t!r} ms); skip"
                " repeated coalesced events",
            )
        self.x.append(x)
        self.y.append(y)
        self.t.append(t)
        self.p.append(p)
        self.stroke.append(i)
        self.kinds.add(kind)

    def problem(self) -> InvalidInputError | None:
        """The problem to report once the top-level keys are fine, if any."""
        if self.n_strokes > MAX_STROKES:
            return _too_many_strokes(self.n_strokes)
        return self.shape_error or self.sample_error


def _too_many_strokes(n: int) -> InvalidInputError:
    return InvalidInputError("strokes", n, reason=f"{n} strokes; the limit is {MAX_STROKES}")


def _too_many_samples(total: int) -> InvalidInputError:
    return InvalidInputError("strokes", total, reason=f"more than {MAX_SAMPLES} samples in total")


def _collect(strokes: list[Any]) -> _Samples:
    """The samples of a parsed document's strokes; the first problem raises."""
    if len(strokes) > MAX_STROKES:
        raise _too_many_strokes(len(strokes))
    out = _Samples()
    out.n_strokes = len(strokes)
    for i, stroke in enumerate(strokes):
        if not isinstance(stroke, list):
            raise InvalidInputError(f"strokes[{i}]", None, reason="must be an array of samples")
        if not stroke:
            raise InvalidInputError(f"strokes[{i}]", None, reason="is empty")
        out.total += len(stroke)
        if out.total > MAX_SAMPLES:
            raise _too_many_samples(out.total)
    for i, stroke in enumerate(strokes):
        out.begin_stroke()
        for j, sample in enumerate(stroke):
            out.add(i, j, sample)
    return out


# ------------------------------------------------------------------------------ JSON text
_WS = re.compile(r"[ \t\n\r]*")
_AFTER_ITEM = re.compile(r"[ \t\n\r]*([,\]}]?)[ \t\n\r]*")
#: An object holding no array or object (strings may hold anything).
_FLAT_OBJECT = re.compile(r'\{(?:[^{}\[\]"]++|"(?:[^"\\]++|\\.)*+")*+\}', re.DOTALL)
#: What decides where an array or object ends: strings (skipped whole) and brackets.
_BRACKET = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', re.DOTALL)
#: json's own scanner (C): one value at an index, as ``JSONDecoder.raw_decode`` uses it.
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(
    parse_constant=_reject_constant, parse_int=_read_int
).scan_once  # type: ignore[attr-defined]


def _invalid(reason: str) -> InvalidInputError:
    return InvalidInputError("(root)", None, reason=reason)


class _Scanner:
    """Reads pointer JSON text one value at a time (see the module's docstring)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.max_depth = sys.getrecursionlimit()  # as deep as json reads

    # -- tokens
    def syntax(self, msg: str, pos: int | None = None) -> InvalidInputError:
        where = json.JSONDecodeError(msg, self.text, self.pos if pos is None else pos)
        return _invalid(f"invalid JSON at line {where.lineno} column {where.colno}: {msg}")

    def ws(self) -> str:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]
        return self.text[self.pos : self.pos + 1]

    def after_item(self, closing: str) -> bool:
        """Past the ``,`` after an item (True) or its container's ``closing`` (False)."""
        m = _AFTER_ITEM.match(self.text, self.pos)
        sep = m.group(1)  # type: ignore[union-attr]
        if sep == "," or sep == closing:
            self.pos = m.end()  # type: ignore[union-attr]
            return sep == ","
        self.pos = m.start(1)  # type: ignore[union-attr]
        delimiter = "','" if closing == "]" else "',' delimiter or '}'"
        raise self.syntax(f"Expecting {delimiter}")

    def decode(self) -> Any:
        """The JSON value at the cursor, whole (only for values known to be short)."""
        try:
            value, self.pos = _SCAN(self.text, self.pos)
        except StopIteration as exc:
            raise self.syntax("Expecting value", exc.value) from None
        except json.JSONDecodeError as exc:
            raise self.syntax(exc.msg, exc.pos) from None
        return value

    def skip(self) -> int:
        """Move past the array or object at the cursor without reading it; its length."""
        start, depth = self.pos, 0
        for m in _BRACKET.finditer(self.text, start):
            char = self.text[m.start()]
            if char in "[{":
                depth += 1
                if depth > self.max_depth:
                    raise _invalid("JSON nested too deeply")
            elif char in "]}":
                depth -= 1
                if not depth:
                    self.pos = m.end()
                    return self.pos - start
        raise self.syntax("unterminated array or object", start)

    def value(self, limit: int) -> Any:
        """The value at the cursor; an array or object longer than ``limit`` as a
        :class:`_Large`."""
        char = self.text[self.pos : self.pos + 1]
        if char == "{" and _FLAT_OBJECT.match(self.text, self.pos, self.pos + limit):
            return self.decode()
        if char in ("[", "{"):
            start = self.pos
            length = self.skip()
            if length > limit:
                return _Large("array" if char == "[" else "object", length)
            self.pos = start
        return self.decode()

    # -- the document
    def document(self) -> Any:
        char = self.ws()
        if char == "{":
            doc: Any = self.top_level()
        elif char == "[":
            doc = {"version": POINTER_JSON_VERSION, "strokes": self.strokes()}
        else:
            doc = self.decode()
        if self.ws():
            raise self.syntax("Extra data")
        return doc

    def top_level(self) -> dict[str, Any]:
        self.pos += 1
        doc: dict[str, Any] = {}
        if self.ws() == "}":
            self.pos += 1
            return doc
        while True:
            if self.text[self.pos : self.pos + 1] != '"':
                raise self.syntax("Expecting property name enclosed in double quotes")
            key = self.decode()
            if self.ws() != ":":
                raise self.syntax("Expecting ':' delimiter")
            self.pos += 1
            char = self.ws()
            if key == "strokes" and char == "[":
                doc[key] = self.strokes()
            else:
                doc[key] = self.value(_MAX_META_CHARS if key == "meta" else _MAX_VALUE_CHARS)
            if not self.after_item("}"):
                return doc
            self.ws()

    def strokes(self) -> _Samples:
        out = _Samples()
        self.pos += 1
        if self.ws() == "]":
            self.pos += 1
            return out
        while True:
            i = out.n_strokes
            out.n_strokes += 1
            if out.shape_error is not None:  # only counted from here on
                self.value(0)
            elif self.text[self.pos : self.pos + 1] != "[":
                out.shape_error = InvalidInputError(
                    f"strokes[{i}]", None, reason="must be an array of samples"
                )
                self.value(0)
            else:
                self.stroke(out, i)
            if not self.after_item("]"):
                return out
            self.ws()

    def stroke(self, out: _Samples, i: int) -> None:
        start = self.pos
        self.pos += 1
        if self.ws() == "]":
            self.pos += 1
            out.shape_error = InvalidInputError(f"strokes[{i}]", None, reason="is empty")
            return
        out.begin_stroke()
        j = 0
        while True:
            out.total += 1
            if out.total > MAX_SAMPLES:
                out.shape_error = _too_many_samples(out.total)
                self.pos = start
                self.skip()
                return
            sample = self.value(MAX_SAMPLE_CHARS)
            if out.sample_error is None:
                try:
                    out.add(i, j, sample)
                except InvalidInputError as exc:
                    out.sample_error = exc
            if not self.after_item("]"):
                return
            self.ws()
            j += 1


def _text(data: bytes | bytearray | str) -> str:
    if isinstance(data, bytes | bytearray):
        if len(data) > MAX_FILE_BYTES:
            raise _invalid(f"{len(data)} bytes; the limit is {MAX_FILE_BYTES}")
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _invalid(f"not UTF-8 text (undecodable byte at offset {exc.start})") from None
    else:
        text = data
        if len(text) > MAX_FILE_BYTES:
            raise _invalid(f"{len(text)} characters; the limit is {MAX_FILE_BYTES}")
    if not text.strip():
        raise _invalid("empty document")
    return text


def _scan(text: str) -> Any:
    try:
        return _Scanner(text).document()
    except RecursionError:
        raise _invalid("JSON nested too deeply") from None


# ------------------------------------------------------------------------------ the reader
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
        With the JSON path of the first problem: invalid JSON, NaN or Infinity, a number
        beyond the range of a double, a missing or unknown key (with the closest allowed one),
        a value of the wrong type or range, an empty stroke, time that does not increase, more
        than :data:`~dystonia.ink.io.limits.MAX_STROKES` strokes (100,000) or
        :data:`~dystonia.ink.io.limits.MAX_SAMPLES` samples (240,000), more than
        :data:`~dystonia.ink.io.limits.MAX_FILE_BYTES` (16 MiB), a sample longer than
        :data:`MAX_SAMPLE_CHARS` characters or ``meta`` longer than 65,536.
    """
    doc = _scan(_text(data)) if isinstance(data, bytes | bytearray | str) else data
    if isinstance(doc, list):
        doc = {"version": POINTER_JSON_VERSION, "strokes": doc}
    if not isinstance(doc, dict):
        raise _invalid("must be an object with 'strokes' or an array of strokes")
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            raise InvalidInputError(str(key), key, allowed=TOP_LEVEL_KEYS, reason="unknown key")
    if "version" not in doc:
        raise InvalidInputError("version", None, reason="is required (the integer 1)")
    version = doc["version"]
    if isinstance(version, bool) or version != POINTER_JSON_VERSION:
        raise InvalidInputError("version", _shown(version), allowed=[POINTER_JSON_VERSION])
    task = doc.get("task", "auto")
    if task not in (*KINDS, "auto"):
        raise InvalidInputError("task", _shown(task), allowed=(*KINDS, "auto"))
    task_id = doc.get("task_id", 0)
    if isinstance(task_id, bool) or not isinstance(task_id, int) or task_id < 0:
        raise InvalidInputError("task_id", _shown(task_id), reason="must be an integer >= 0")
    scale = _number("mm_per_px", doc.get("mm_per_px", CSS_MM_PER_PX))
    if not 0.0 < scale <= 10.0:
        raise InvalidInputError("mm_per_px", scale, allowed="> 0 and <= 10 mm")
    meta = _meta(doc["meta"]) if "meta" in doc else {}
    if "strokes" not in doc:
        raise InvalidInputError("strokes", None, reason="is required")
    strokes = doc["strokes"]
    if isinstance(strokes, _Samples):  # read from JSON text, problems kept for now
        if not strokes.n_strokes:
            raise InvalidInputError("strokes", None, reason="is empty; at least one stroke is needed")  # fmt: skip
        problem = strokes.problem()
        if problem is not None:
            raise problem
        samples = strokes
    else:
        if not isinstance(strokes, list):
            raise InvalidInputError("strokes", None, reason="must be an array of strokes")
        if not strokes:
            raise InvalidInputError("strokes", None, reason="is empty; at least one stroke is needed")  # fmt: skip
        samples = _collect(strokes)
    total = len(samples.t)
    if total < 2:
        raise InvalidInputError("strokes", total, reason="1 sample; at least 2 are needed")
    t = np.array(samples.t, dtype=np.float64)
    pen_only = samples.kinds == {"pen"}
    recording_task = InkTask(
        time_s=(t - t[0]) / 1000.0,
        x_mm=np.array(samples.x, dtype=np.float64) * scale,
        y_mm=-np.array(samples.y, dtype=np.float64) * scale,
        pressure=np.array(samples.p, dtype=np.float64) if pen_only else None,
        pen_down=np.ones(total, dtype=bool),
        stroke=np.array(samples.stroke, dtype=np.int32),
        task_id=int(task_id),
        kind=None if task == "auto" else str(task),
    )
    metadata: dict[str, Any] = {
        "mm_per_unit": scale,
        "mm_per_unit_source": (
            "given (mm_per_px)" if "mm_per_px" in doc else "CSS reference pixel (1/96 inch)"
        ),
        "y_axis_in_file": "down",
        "pointer_types": sorted(samples.kinds),
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
