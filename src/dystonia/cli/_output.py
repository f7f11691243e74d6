"""Output helpers shared by the command modules (JSON to stdout, no rich markup in JSON;
files written whole or not at all)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from dystonia.exceptions import InvalidInputError


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to standard output."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def write_atomic(path: Path, data: bytes, *, option: str = "--out") -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, then rename: a reader
    never sees half a file, and a failed write leaves what was there before.

    Parameters
    ----------
    path : pathlib.Path
        The file to write (replaced if it exists).
    data : bytes
        Its new content.
    option : str
        The command-line option that named ``path``, for the error message.

    Raises
    ------
    InvalidInputError
        Naming ``option`` (exit 2), when the file cannot be created there (no such folder,
        no permission, a folder of that name).
    """
    target = check_target(path, option=option)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise InvalidInputError(
            option, str(path), reason=f"cannot write {path} ({exc.strerror or exc})"
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_target(path: Path, *, option: str = "--out") -> Path:
    """The resolved ``path`` if a file can be written there; call it before the work whose
    result goes there, so that a wrong path costs nothing.

    Parameters
    ----------
    path : pathlib.Path
        Where the output is to go.
    option : str
        The command-line option that named ``path``, for the error message.

    Returns
    -------
    pathlib.Path
        ``path``, resolved.

    Raises
    ------
    InvalidInputError
        Naming ``option``, when ``path`` is a folder or its folder does not exist or cannot be
        written.
    """
    target = path.resolve()
    if target.is_dir():
        raise InvalidInputError(
            option, str(path), reason=f"{path} is a directory; give a file name"
        )
    if not target.parent.is_dir():
        raise InvalidInputError(option, str(path), reason=f"no folder {target.parent}")
    if not os.access(target.parent, os.W_OK):
        raise InvalidInputError(option, str(path), reason=f"cannot write in {target.parent}")
    return target
