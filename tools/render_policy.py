"""Render the access policy (dystonia.records.policy.MATRIX) into docs/records.md.

Usage: python tools/render_policy.py [--check]
The table sits between the markers ``<!-- policy:begin -->`` and ``<!-- policy:end -->``;
--check exits 1 when it is out of date (used by the tests).
"""

from __future__ import annotations

import sys
from pathlib import Path

from dystonia.records.policy import ACTIONS, MATRIX, ROLES

DOC = Path(__file__).resolve().parents[1] / "docs" / "records.md"
BEGIN, END = "<!-- policy:begin -->", "<!-- policy:end -->"
WORDS = {"any": "all", "assigned": "assigned", "self": "own", None: "-"}


def table() -> str:
    lines = [
        "| action | patient data | " + " | ".join(ROLES) + " |",
        "|---|---|" + "---|" * len(ROLES),
    ]
    for action, scoped in ACTIONS.items():
        cells = [WORDS[MATRIX[role].get(action)] for role in ROLES]
        lines.append(f"| `{action}` | {'yes' if scoped else 'no'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(f"{DOC} is out of date: run python tools/render_policy.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
