"""Fuzz the findings path with atheris: YAML/JSON file -> ``load_mapping_file`` -> ``assess``.

See docs/fuzzing.md. Seeds: the shipped ``examples/*.yaml`` (and their JSON forms). The first
input byte picks the file type (.yaml or .json).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import atheris
import yaml
from _harness import run, scratch_file

with atheris.instrument_imports(include=["dystonia"]):
    from dystonia.clinical.engine import assess
    from dystonia.validation import load_mapping_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PATHS = (scratch_file(".yaml"), scratch_file(".json"))
SEEDS = {}
for _p in sorted(EXAMPLES.glob("*.yaml")):
    SEEDS[_p.stem + ".yaml"] = b"\x00" + _p.read_bytes()
    SEEDS[_p.stem + ".json"] = b"\x01" + json.dumps(yaml.safe_load(_p.read_text())).encode()
#: Known open defects (none: every one found so far is fixed and guarded by a test in
#: tests/fuzz); add (exception type, innermost package function) pairs here to tally one.
KNOWN: frozenset[tuple[str, str]] = frozenset()


def one_input(data: bytes) -> str | None:
    if not data:
        return "empty"
    path = PATHS[data[0] % 2]
    path.write_bytes(data[1:])
    assess(load_mapping_file(path))
    return None


if __name__ == "__main__":
    run("findings", one_input, seeds=SEEDS, known=KNOWN)
    sys.exit(0)
