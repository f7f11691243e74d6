"""What every atheris harness shares: seeds, the "clear error" rule, a tally of outcomes.

Each ``tools/fuzz/fuzz_*.py`` defines ``one_input(data: bytes)`` that feeds the bytes to one
parser family, and calls :func:`run`. The rule is the one of ``tests/fuzz``: the parser returns
or raises a :class:`~dystonia.exceptions.DystoniaError`; anything else is a crash.

Defects already known (a harness's ``KNOWN``; none are open today) are
recognised by their signature (exception type and the innermost function of the package in
the traceback) and tallied instead of stopping the run, so that a long run looks for *new*
defects. ``--strict`` (or ``DYSTONIA_FUZZ_STRICT=1``) crashes on them too.

Without a corpus directory on the command line, the seeds are written to a fresh temporary
corpus; crash inputs go to ``<that directory>/crashes/`` unless ``-artifact_prefix`` is given.
libFuzzer options pass through (``-max_total_time=60``, ``-runs=N``, ``-rss_limit_mb=...``);
``-timeout`` defaults to 10 s per input so that slow (quadratic) inputs count as crashes.
"""

from __future__ import annotations

import atexit
import collections
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

import atheris

__all__ = ["SHARED", "run", "scratch_file"]

#: The shared real data (read in place).
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

_SCRATCH = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())


def scratch_file(suffix: str) -> Path:
    """A file path in memory-backed scratch space for readers that need a path."""
    return _SCRATCH / f"dystonia-fuzz-{os.getpid()}{suffix}"


def _signature(tb: TracebackType | None, exc: BaseException) -> tuple[str, str]:
    inner = "?"
    for frame in traceback.extract_tb(tb):
        if "/dystonia/" in frame.filename.replace("\\", "/"):
            inner = f"{Path(frame.filename).stem}.{frame.name}"
    return type(exc).__name__, inner


class _Tally:
    """Outcome counts, printed every ``every_s`` seconds (libFuzzer ends with a C ``exit``,
    which skips Python's ``atexit``, so the last line printed is at most that old)."""

    def __init__(self, name: str, every_s: float = 10.0) -> None:
        self.name = name
        self.start = time.monotonic()
        self.every_s = every_s
        self.last = self.start
        self.counts: collections.Counter[str] = collections.Counter()
        self.known: collections.Counter[str] = collections.Counter()

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            self.report()

    def report(self) -> None:
        total = sum(self.counts.values())
        seconds = time.monotonic() - self.start
        print(
            f"\n[{self.name}] executions {total} in {seconds:.0f} s "
            f"({total / max(seconds, 1e-9):.0f}/s): "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())),
            file=sys.stderr,
        )
        for sig, n in self.known.most_common():
            print(f"[{self.name}]   known defect {sig}: {n}", file=sys.stderr)


def run(
    name: str,
    one_input: Callable[[bytes], str | None],
    *,
    seeds: Mapping[str, bytes],
    known: frozenset[tuple[str, str]] = frozenset(),
) -> None:
    """Fuzz ``one_input`` with atheris (libFuzzer) from ``seeds``; see the module docstring.

    ``one_input`` returns None when the parser accepted the input, or a short label (e.g.
    ``"not JSON"``) for inputs the harness skipped; the tally counts both.
    """
    from dystonia.exceptions import DystoniaError

    strict = "--strict" in sys.argv or os.environ.get("DYSTONIA_FUZZ_STRICT") == "1"
    argv = [a for a in sys.argv if a != "--strict"]
    tally = _Tally(name)
    atexit.register(tally.report)

    def test_one_input(data: bytes) -> None:
        tally.tick()
        try:
            outcome = one_input(data)
        except DystoniaError:
            tally.counts["clear error"] += 1
            return
        except Exception as exc:
            sig = _signature(exc.__traceback__, exc)
            if sig in known and not strict:
                tally.counts["known defect"] += 1
                tally.known[f"{sig[0]} in {sig[1]}"] += 1
                return
            tally.counts["CRASH"] += 1
            raise
        tally.counts["accepted" if outcome is None else str(outcome)] += 1

    positional = [a for a in argv[1:] if not a.startswith("-")]
    if not positional:
        corpus = Path(tempfile.mkdtemp(prefix=f"dystonia-fuzz-{name}-"))
        for seed_name, data in seeds.items():
            (corpus / seed_name).write_bytes(data)
        argv.append(str(corpus))
        if not any(a.startswith("-artifact_prefix=") for a in argv):
            (corpus / "crashes").mkdir()
            argv.append(f"-artifact_prefix={corpus}/crashes/")
        print(f"[{name}] corpus {corpus} ({len(seeds)} seeds)", file=sys.stderr)
    if not any(a.startswith("-timeout=") for a in argv):
        argv.append("-timeout=10")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
