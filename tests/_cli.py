"""Running the ``dystonia`` command line in-process, as the CLI tests do."""

from __future__ import annotations

import pytest


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``dystonia ARGS`` through :func:`dystonia.cli.main`: (exit code, stdout, stderr)."""
    from dystonia.cli import main

    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
