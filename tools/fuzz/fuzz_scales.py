"""Fuzz scale scoring with atheris: JSON items text -> ``dystonia.scales.score``.

See docs/fuzzing.md. The first input byte picks the scale; the rest is JSON text of the items
(as ``dystonia score`` and the API receive them). Seeds: every scale at its maximum, at zero
and with one item missing.
"""

from __future__ import annotations

import json
import sys

import atheris
from _harness import run

with atheris.instrument_imports(include=["dystonia"]):
    from dystonia.scales import get_scale, list_scales, score

SCALES = list_scales()
SEEDS = {}
for _i, _name in enumerate(SCALES):
    _items = get_scale(_name).describe()["items"]
    SEEDS[f"{_name}-max"] = bytes([_i]) + json.dumps({it["id"]: it["max"] for it in _items}).encode()  # fmt: skip
    SEEDS[f"{_name}-min"] = bytes([_i]) + json.dumps({it["id"]: it["min"] for it in _items}).encode()  # fmt: skip
    SEEDS[f"{_name}-gap"] = bytes([_i]) + json.dumps({it["id"]: it["max"] for it in _items[1:]}).encode()  # fmt: skip


def one_input(data: bytes) -> str | None:
    if not data:
        return "empty"
    try:
        items = json.loads(data[1:])
    except (ValueError, RecursionError):
        return "not JSON"  # the JSON decoder is not under test here
    result = score(SCALES[data[0] % len(SCALES)], items)
    json.dumps(result.to_dict(), allow_nan=False)
    return None


if __name__ == "__main__":
    run("scales", one_input, seeds=SEEDS)
    sys.exit(0)
