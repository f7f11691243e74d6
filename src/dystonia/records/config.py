"""Where the records live: the database URL and the audit key, from the environment.

``DYSTONIA_DATABASE_URL``
    A SQLAlchemy URL (``postgresql+psycopg://user@127.0.0.1/dystonia``). Unset: an embedded SQLite
    file ``dystonia.db`` in the data directory.
``DYSTONIA_DATA_DIR``
    The data directory; default ``$XDG_DATA_HOME/dystonia-workbench`` or
    ``~/.local/share/dystonia-workbench``.
``DYSTONIA_AUDIT_KEY``
    The key of the audit chain's HMAC (hex, at least 32 bytes). Unset: read from ``audit.key`` in
    the data directory, created with mode 0600 on first start. The key is kept outside the
    database on purpose: whoever can write the database alone cannot re-forge the chain
    (OpenEMR's unkeyed per-row hash is the counter-example, research/platform.md 2.2).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dystonia.exceptions import InvalidInputError

__all__ = ["audit_key", "data_dir", "database_url", "totp_key"]


def data_dir() -> Path:
    """The data directory (created if missing)."""
    env = os.environ.get("DYSTONIA_DATA_DIR")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "dystonia-workbench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``DYSTONIA_DATABASE_URL``, or the embedded SQLite file in :func:`data_dir`."""
    url = os.environ.get("DYSTONIA_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / 'dystonia.db'}"


def audit_key() -> bytes:
    """The audit chain key (``DYSTONIA_AUDIT_KEY`` or the key file, created on first use)."""
    return _key("DYSTONIA_AUDIT_KEY", "audit.key")


def totp_key() -> bytes:
    """The key second-factor secrets are derived from (``DYSTONIA_TOTP_KEY`` or the file
    ``totp.key`` of the data directory, created on first use).

    Kept apart from the audit key, which backups carry: a backup set alone cannot make codes.
    Losing it (or moving to a host without it) invalidates every enrolment: an admin then
    removes each second factor (``dystonia users reset-2fa``) and its owner sets it up again.
    """
    return _key("DYSTONIA_TOTP_KEY", "totp.key")


def _key(env_name: str, file_name: str) -> bytes:
    """A 256-bit key from the environment (hex) or from a file of the data directory."""
    env = os.environ.get(env_name, "").strip()
    if env:
        try:
            key = bytes.fromhex(env)
        except ValueError:
            raise InvalidInputError(
                env_name, "<hidden>", allowed="hexadecimal, at least 64 digits"
            ) from None
        if len(key) < 32:
            raise InvalidInputError(env_name, "<hidden>", allowed="hexadecimal, at least 64 digits")
        return key
    path = data_dir() / file_name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())
