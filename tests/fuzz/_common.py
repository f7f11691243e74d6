"""What every fuzz test shares: settings, the "clear error" check, JSON-like values, memory.

The rule of issue #8: a parser given hostile input either returns its result or raises a
:class:`~dystonia.exceptions.DystoniaError` (``InvalidInputError``, ``UnreadableFileError``...)
with a readable message. Any other exception (``ValueError``, ``KeyError``, ``struct.error``,
``RecursionError``, ``MemoryError``, pyarrow or numpy errors...) is a defect: :func:`clear`
lets it propagate, so hypothesis reports it with the input that triggers it.

``DYSTONIA_FUZZ_SCALE`` multiplies every ``max_examples`` (default 1) for longer runs by hand,
e.g. ``DYSTONIA_FUZZ_SCALE=20 pytest -m fuzz tests/fuzz``.

Runs are **deterministic by default** (what CI and the test command run): hypothesis derives
every test's examples from the test's name (``derandomize``) and keeps no example database, so
the same commit gives the same examples on every machine and in every test order, and a red
run can be replayed exactly. Exploring new inputs is a run by hand: a scale above 1 or
``DYSTONIA_FUZZ_RANDOM=1`` draws fresh random examples and keeps the failing ones in
hypothesis' database (``.hypothesis/``) so that they are tried first next time.
"""

from __future__ import annotations

import copy
import os
import signal
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from dystonia.exceptions import DystoniaError

T = TypeVar("T")

#: The generous memory bound of the brief for one parse of hostile input.
MEMORY_BOUND_BYTES = 300 * 1024 * 1024

_SCALE = max(1, int(os.environ.get("DYSTONIA_FUZZ_SCALE", "1")))
#: Fresh random examples (a run by hand) instead of the fixed ones of the test command.
_RANDOM = _SCALE > 1 or os.environ.get("DYSTONIA_FUZZ_RANDOM", "") not in ("", "0")


def fuzz_settings(max_examples: int) -> settings:
    """Hypothesis settings for a fuzz test: no deadline, few examples unless scaled up,
    deterministic unless a random run was asked for (see the module's docstring)."""
    return settings(
        max_examples=max_examples * _SCALE,
        deadline=None,
        derandomize=not _RANDOM,
        database=settings.default.database if _RANDOM else None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
            HealthCheck.filter_too_much,
        ],
    )


def clear(call: Callable[..., T], *args: Any, **kwargs: Any) -> T | DystoniaError:
    """Call a parser; return its result or its clear error. Anything else propagates."""
    try:
        return call(*args, **kwargs)
    except DystoniaError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} with an empty message"
        return exc


# ------------------------------------------------------------------------------ JSON values
#: Floats a JSON or YAML parser can produce, including the ones that are not finite.
SPECIAL_FLOATS = st.sampled_from(
    [float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 1e308, -1e308, 5e-324, 1e-300]
)
#: Integers JSON can carry (Python's ``json`` refuses more than 4300 digits; that case has its
#: own tests).
BIG_INTS = st.integers(min_value=-(10**40), max_value=10**40) | st.sampled_from(
    [2**31, 2**53 + 1, 2**63, 2**64, -(2**63) - 1, 10**300]
)
HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ufeff",
        "null",
        "NaN",
        "1e999",
        "-0",
        "<script>alert(1)</script>",
        "'; DROP TABLE patients;--",
        "../../etc/passwd",
        "\u202e",
        "🙂" * 3,
        "a" * 5000,
        "\n\r\t",
        "%s%n",
        "{{7*7}}",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | BIG_INTS
    | st.floats(allow_nan=True, allow_infinity=True)
    | SPECIAL_FLOATS
    | st.text(max_size=30)
    | HOSTILE_TEXT
)
KEYS = st.text(max_size=12) | HOSTILE_TEXT


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Arbitrary JSON-like values: scalars (NaN, inf, huge ints, hostile text), lists, dicts."""
    return st.recursive(
        SCALARS,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(KEYS, kids, max_size=4),
        max_leaves=max_leaves,
    )


def maybe_junk(valid: st.SearchStrategy[Any], junk_weight: int = 1) -> st.SearchStrategy[Any]:
    """Mostly ``valid`` values, sometimes an arbitrary JSON value instead."""
    return st.one_of(*([valid] * 3), *([json_values(6)] * junk_weight))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def mutate(draw: st.DrawFn, base: Any, edits: int) -> Any:
    """A deep copy of ``base`` with ``edits`` edits: a value replaced or wrapped, a key removed
    or added, anywhere in the tree."""
    data = copy.deepcopy(base)
    for _ in range(edits):
        path = draw(st.sampled_from(list(_paths(data))))
        if not path:
            continue
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "wrap"]))
        if action == "replace":
            parent[last] = draw(json_values(6))
        elif action == "delete":
            del parent[last]
        elif action == "wrap":
            parent[last] = [parent[last]] if draw(st.booleans()) else {"value": parent[last]}
        elif isinstance(parent, dict):
            parent[draw(KEYS)] = draw(json_values(4))
        else:
            parent.append(draw(json_values(4)))
    return data


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[Any], max_edits: int = 3) -> Any:
    """A value of ``valid`` with 0 to ``max_edits`` edits (0 edits a quarter of the time)."""
    edits = draw(st.sampled_from([0, *range(1, max_edits + 1)] if max_edits else [0]))
    return mutate(draw, draw(valid), edits)


# ------------------------------------------------------------------------------ memory
@dataclass
class Peak:
    """Peak traced memory of a block, in bytes (filled in when the block ends)."""

    bytes: int = 0


@contextmanager
def traced_peak() -> Iterator[Peak]:
    """Measure the peak of Python and numpy allocations (tracemalloc) inside the block.

    numpy reports its array buffers to tracemalloc, so an ``np.empty`` of gigabytes shows
    here even when the pages are never touched (and would not show in the resident size).
    """
    peak = Peak()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        yield peak
    finally:
        peak.bytes = max(0, tracemalloc.get_traced_memory()[1] - base)
        if started:
            tracemalloc.stop()


class CpuBudgetExceeded(BaseException):
    """Raised inside the code under test when it uses more CPU than its budget.

    A ``BaseException`` so that no ``except Exception`` (or ``except OSError``) of the package
    can turn it into something else.
    """


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block once this process has used ``seconds`` of user CPU time.

    Uses ``ITIMER_VIRTUAL`` (CPU time, not wall time, so a loaded machine does not make it
    flaky). The signal is handled between Python bytecodes, so a long C call finishes first.
    """

    def expire(signum: int, frame: object) -> None:
        raise CpuBudgetExceeded(f"more than {seconds} s of CPU")

    previous = signal.signal(signal.SIGVTALRM, expire)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def mib(n: int) -> str:
    """Bytes as MiB for messages."""
    return f"{n / 1048576:.1f} MiB"
