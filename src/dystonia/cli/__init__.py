"""The ``dystonia`` command line: a thin shell over the pure cores.

Each command group lives in its own module of this package and registers itself on :data:`app`.
Every deliberate error (:class:`dystonia.exceptions.DystoniaError`) becomes one line on standard
error and exit code 2; usage errors are Click's, also exit code 2.
"""

from __future__ import annotations

import sys

import typer

from dystonia.exceptions import DystoniaError

app = typer.Typer(
    name="dystonia",
    help=(
        "Dystonia Workbench: classification, rating scales and objective measures for dystonia. "
        "It supports clinical decisions; it does not replace a clinician's judgement."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command modules register on import; each owns one command group.
from dystonia.cli import assess as _assess  # noqa: E402,F401
from dystonia.cli import batch as _batch  # noqa: E402,F401
from dystonia.cli import fhir as _fhir  # noqa: E402,F401
from dystonia.cli import ink as _ink  # noqa: E402,F401
from dystonia.cli import motion as _motion  # noqa: E402,F401
from dystonia.cli import scales as _scales  # noqa: E402,F401
from dystonia.cli import server as _server  # noqa: E402,F401
from dystonia.cli import summary as _summary  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``dystonia`` script."""
    try:
        app(args=argv, prog_name="dystonia")
    except DystoniaError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None


__all__ = ["app", "main"]
