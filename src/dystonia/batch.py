"""Cohort batches: one analysis over every recording of a folder, one row per file.

:func:`run_batch` finds the recordings under a folder, analyses each one with the pure per-file
function :func:`analyze_file` on an :class:`Executor` (serial, local processes, or a Dask
cluster), and writes one Parquet row per file: the features, and the provenance needed to trust
and repeat them (SHA-256 of the input, package version, a hash of every parameter, status, error
message, time taken, which worker). The design follows research/platform.md 3.5 (a pure
per-recording function behind a small executor protocol; tsfresh's pluggable distributors and
its optional Dask extra are the model).

Rules
-----
* **A bad file is a row, never the end of the batch.** Any exception while analysing a file
  (an unreadable file, a bug) becomes a row with ``status = "error"`` and the message. A worker
  process that dies (out of memory) costs the files it was holding: each is retried once on a
  fresh pool, then recorded as an error.
* **Resumable and idempotent.** A file whose input hash and parameters hash already have an
  ``ok`` row in the output is not analysed again; the same content under another path reuses
  that row's features. Error rows are retried on the next run. Each path has one row; rows of
  paths that are not in this run are kept. So re-running after an interruption finishes the
  job, and re-running a finished job changes nothing.
* **Written atomically.** The output is rewritten as a temporary file in the same folder and
  renamed over the old one, at the end, every ``checkpoint_s`` seconds while running, and when
  interrupted; a crash leaves the previous complete file.

The parameters hash is the SHA-256 of the canonical JSON of: which analysis (``motion`` or
``ink``), all of its parameters (:class:`~dystonia.motion.params.MotionParams`, or the pen
analysis's ``InkParams``), the reader format, the package version and the row schema version; a
new release therefore re-analyses.

Executors
---------
:class:`SerialExecutor` (the default, and the tests), :class:`ProcessExecutor`
(:class:`concurrent.futures.ProcessPoolExecutor`, spawned processes) and :class:`DaskExecutor`
(``dask.distributed``: a scheduler address, or a ``LocalCluster`` on loopback; the optional
``cluster`` extra). All satisfy :class:`Executor`. For a remote cluster the workers need the same
package version and must see the files at the same paths (a shared file system).

Pen (ink) recordings are analysed with ``dystonia.ink.analyze`` when that module is installed
(:func:`ink_analyzer` is the hook); without it ``kind="ink"`` is refused and pen files found by
``kind="auto"`` become error rows that say so.

References
----------
.. [1] Christ M, Braun N, Neuffer J, Kempa-Liehr AW. Time Series FeatuRe Extraction on basis of
   Scalable Hypothesis tests (tsfresh). Neurocomputing 2018;307:72-77.
   doi:10.1016/j.neucom.2018.03.067 (pluggable distributors; Dask as an optional extra).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import math
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from dystonia import __version__
from dystonia.exceptions import DystoniaError, InvalidInputError, UnreadableFileError
from dystonia.motion.params import MotionParams

__all__ = [
    "KINDS",
    "ROW_SCHEMA_VERSION",
    "SCHEMA",
    "BatchSummary",
    "DaskExecutor",
    "Executor",
    "FileTask",
    "ProcessExecutor",
    "SerialExecutor",
    "analyze_file",
    "detect_kind",
    "discover",
    "ink_analyzer",
    "make_executor",
    "params_digest",
    "read_results",
    "run_batch",
]

T = TypeVar("T")
R = TypeVar("R")

#: ``kind`` values of :func:`run_batch`.
KINDS = ("auto", "motion", "ink")

#: Version of the row layout; part of every parameters hash.
ROW_SCHEMA_VERSION = 1

MOTION_SUFFIXES = frozenset({".csv", ".txt", ".parquet", ".pq", ".cwa", ".bin"})
INK_SUFFIXES = frozenset({".svc", ".inkml", ".xml", ".json"})  # and pen CSV / UCI text

_HASH_CHUNK = 1 << 20

#: One row per file. Provenance first, then the motion features, then the pen features.
SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("kind", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("input_sha256", pa.string()),
        ("input_bytes", pa.int64()),
        ("package_version", pa.string()),
        ("params_sha256", pa.string()),
        ("params", pa.string()),
        ("analysed_at", pa.timestamp("us", tz="UTC")),
        ("elapsed_s", pa.float64()),
        ("worker", pa.string()),
        # motion (dystonia.motion.analyze; names as in its report, units in names)
        ("format", pa.string()),
        ("duration_s", pa.float64()),
        ("fs_hz", pa.float64()),
        ("n_samples", pa.int64()),
        ("signal", pa.string()),
        ("analysed_s", pa.float64()),
        ("gap_s", pa.float64()),
        ("n_gaps", pa.int64()),
        ("non_wear_s", pa.float64()),
        ("tremor_present", pa.bool_()),
        ("tremor_fraction_of_time", pa.float64()),
        ("tremor_peak_frequency_hz", pa.float64()),
        ("tremor_peak_width_hz", pa.float64()),
        ("tremor_amplitude", pa.float64()),
        ("tremor_amplitude_unit", pa.string()),
        ("tremor_amplitude_p90", pa.float64()),
        ("tremor_amplitude_cv", pa.float64()),
        ("tremor_tsi_hz", pa.float64()),
        ("tremor_tsi_n_changes", pa.int64()),
        ("tremor_if_sd_hz", pa.float64()),
        ("tremor_directionality", pa.float64()),
        ("tremor_n_windows", pa.int64()),
        ("tremor_n_tremor_windows", pa.int64()),
        ("tremor_s", pa.float64()),
        # pen (dystonia.ink.analyze, when installed): the task count and kinds; the rest is in
        # report_json
        ("ink_n_tasks", pa.int64()),
        ("ink_task_kinds", pa.string()),
        ("notes", pa.string()),
        ("report_json", pa.string()),
    ]
)
_KEY_COLUMNS = ("path", "status", "input_sha256", "params_sha256")


# ---------------------------------------------------------------------------------- analyses
def ink_analyzer() -> Callable[..., Any] | None:
    """``dystonia.ink.analyze`` if this installation has it, else None (the ink hook)."""
    try:
        module = importlib.import_module("dystonia.ink")
    except ImportError:
        return None
    fn = getattr(module, "analyze", None)
    return fn if callable(fn) else None


def _first_line(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096)
    for line in head.decode("utf-8-sig", errors="replace").splitlines():
        if line.strip():
            return line.strip()
    return ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def detect_kind(path: str | Path) -> str:
    """``"motion"`` or ``"ink"`` for a file, from its extension and, for text, its first line.

    Device files and Parquet are motion; ``.svc``, ``.inkml``, ``.xml`` and ``.json`` are pen
    recordings. A ``.csv`` or ``.txt`` file is a pen recording when its header names ``x`` and
    ``y`` and no ``acc_*``/``gyro_*`` column, when its first line is seven numbers separated by
    ``;`` (UCI tablet text) or a lone sample count (SVC); otherwise it is motion (and the motion
    reader says precisely what is wrong with it).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in INK_SUFFIXES:
        return "ink"
    if suffix in (".csv", ".txt"):
        try:
            first = _first_line(p)
        except OSError as exc:
            raise UnreadableFileError(p, f"cannot open ({exc.strerror or exc})") from None
        fields = [f.strip().strip('"').lower() for f in first.split(",")]
        if any(f.startswith(("acc_", "gyro_")) for f in fields):
            return "motion"
        parts = first.split(";")
        if {"x", "y"} <= set(fields) or first.isdigit():
            return "ink"
        if len(parts) == 7 and all(_is_number(x) for x in parts):
            return "ink"
    return "motion"


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _params_for(analysis: str, motion: MotionParams, fmt: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "analysis": analysis,
        "format": fmt if analysis == "motion" else "auto",
        "package_version": __version__,
        "row_schema": ROW_SCHEMA_VERSION,
    }
    if analysis == "motion":
        params["motion"] = motion.to_dict()
    else:
        params["ink"] = _ink_params()
    return params


def _ink_params() -> dict[str, Any]:
    """Default settings of the pen analysis (``dystonia.ink.InkParams``), when installed."""
    try:
        module = importlib.import_module("dystonia.ink")
    except ImportError:
        return {}
    maker = getattr(module, "InkParams", None)
    if not callable(maker):
        return {}
    to_dict = getattr(maker(), "to_dict", None)
    return dict(to_dict()) if callable(to_dict) else {}


def params_digest(analysis: str, motion: MotionParams | None = None, fmt: str = "auto") -> str:
    """SHA-256 of everything that decides a file's result, except the file itself."""
    params = _params_for(analysis, motion or MotionParams(), fmt)
    return hashlib.sha256(_canonical(params).encode()).hexdigest()


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _motion_columns(report: Any) -> dict[str, Any]:
    d = report.to_dict(include_windows=False)
    rec, tr = d["recording"], d["tremor"]
    amp = tr.get("amplitude") or {}
    row = {
        "format": rec.get("format"),
        "duration_s": rec.get("duration_s"),
        "fs_hz": rec.get("fs_hz"),
        "n_samples": rec.get("n_samples"),
        "signal": tr.get("signal"),
        "analysed_s": rec.get("analysed_s"),
        "gap_s": rec.get("gap_s"),
        "n_gaps": rec.get("n_gaps"),
        "non_wear_s": (d.get("non_wear") or {}).get("non_wear_s"),
        "tremor_present": tr.get("present"),
        "tremor_fraction_of_time": tr.get("fraction_of_time"),
        "tremor_peak_frequency_hz": tr.get("peak_frequency_hz"),
        "tremor_peak_width_hz": tr.get("peak_width_hz"),
        "tremor_amplitude": amp.get("value"),
        "tremor_amplitude_unit": amp.get("unit"),
        "tremor_amplitude_p90": tr.get("amplitude_p90"),
        "tremor_amplitude_cv": tr.get("amplitude_cv"),
        "tremor_tsi_hz": tr.get("tsi_hz"),
        "tremor_tsi_n_changes": tr.get("tsi_n_changes"),
        "tremor_if_sd_hz": tr.get("if_sd_hz"),
        "tremor_directionality": tr.get("directionality"),
        "tremor_n_windows": tr.get("n_windows"),
        "tremor_n_tremor_windows": tr.get("n_tremor_windows"),
        "tremor_s": tr.get("tremor_s"),
        "notes": "; ".join(d.get("notes") or []) or None,
    }
    d["recording"] = {**rec, "source": None}  # the path is in its own column
    row["report_json"] = json.dumps(d, allow_nan=False, default=str)
    return {k: _finite(v) for k, v in row.items()}


def _ink_columns(result: Any) -> dict[str, Any]:
    d = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    tasks = d.get("tasks") or []
    kinds = [str(t.get("kind")) for t in tasks if isinstance(t, Mapping) and t.get("kind")]
    return {
        "ink_n_tasks": len(tasks),
        "ink_task_kinds": ",".join(kinds) or None,
        "report_json": json.dumps(d, default=str),
    }


@dataclass(frozen=True)
class FileTask:
    """One file to analyse: what :func:`analyze_file` needs (picklable, for any executor).

    Attributes
    ----------
    path : str
        Absolute path of the file, as the workers see it.
    name : str
        The row's ``path``: relative to the batch's input folder, with ``/``.
    kind : {"auto", "motion", "ink"}
    motion : MotionParams
    format : str
        Reader of motion files (``auto``, ``csv``, ``parquet``, ``cwa``, ``bin``, ``cloudupdrs``).
    """

    path: str
    name: str
    kind: str = "auto"
    motion: MotionParams = field(default_factory=MotionParams)
    format: str = "auto"


def analyze_file(task: FileTask) -> dict[str, Any]:
    """Analyse one file: features and provenance as one row of :data:`SCHEMA`.

    Never raises for a bad file (or a bug in an analysis): the row then has ``status = "error"``
    and ``error`` says what happened (``UnreadableFileError: ...``).

    Parameters
    ----------
    task : FileTask

    Returns
    -------
    dict
        Column name -> value (missing columns are null).
    """
    started = time.perf_counter()
    row: dict[str, Any] = {
        "path": task.name,
        "package_version": __version__,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    try:
        path = Path(task.path)
        analysis = detect_kind(path) if task.kind == "auto" else task.kind
        params = _params_for(analysis, task.motion, task.format)
        row["kind"] = analysis
        row["params"] = _canonical(params)
        row["params_sha256"] = hashlib.sha256(row["params"].encode()).hexdigest()
        try:
            row["input_sha256"], row["input_bytes"] = _sha256(path)
        except OSError as exc:
            raise UnreadableFileError(path, f"cannot open ({exc.strerror or exc})") from None
        if analysis == "motion":
            from dystonia.motion import analyze

            row.update(_motion_columns(analyze(path, params=task.motion, format=task.format)))
        else:
            ink = ink_analyzer()
            if ink is None:
                raise DystoniaError(
                    "a pen recording, and pen analysis (dystonia.ink) is not in this installation"
                )
            row.update(_ink_columns(ink(path)))
        row["status"] = "ok"
    except Exception as exc:  # a bad file is a row, never the end of the batch
        row["status"] = "error"
        # the row's path is relative; keep the folder layout of this machine out of the table
        row["error"] = f"{type(exc).__name__}: {exc}".replace(task.path, task.name)
        row.pop("report_json", None)
    row["analysed_at"] = dt.datetime.now(dt.UTC)
    row["elapsed_s"] = round(time.perf_counter() - started, 6)
    return row


# ---------------------------------------------------------------------------------- executors
class Executor(Protocol):
    """Runs a function over items and yields ``(item, result or exception)`` as they finish.

    ``start()`` prepares the workers ahead of the first item (optional: ``imap_unordered`` starts
    them when needed); ``close()`` stops them. ``fn`` must be a module-level function and items picklable (process and cluster backends
    ship both). An exception in ``fn`` or in the machinery (a dead worker) is yielded, not
    raised, so that one item never ends the run.
    """

    name: str
    workers: int

    def imap_unordered(
        self, fn: Callable[[T], R], items: Sequence[T]
    ) -> Iterator[tuple[T, R | BaseException]]: ...

    def start(self) -> None: ...

    def close(self) -> None: ...


class SerialExecutor:
    """In this process, one item after another (the default; no start-up cost)."""

    name = "serial"
    workers = 1

    def start(self) -> None:
        """Import the analyses now rather than at the first file."""
        _warm_worker()

    def imap_unordered(
        self, fn: Callable[[T], R], items: Sequence[T]
    ) -> Iterator[tuple[T, R | BaseException]]:
        for item in items:
            try:
                yield item, fn(item)
            except Exception as exc:
                yield item, exc

    def close(self) -> None:
        return None


def _warm_worker() -> None:
    """Import what the analyses need (once per worker, before the first file)."""
    import dystonia.motion  # noqa: F401


class ProcessExecutor:
    """Local worker processes (:class:`concurrent.futures.ProcessPoolExecutor`, spawned).

    At most ``2 * workers`` items are in flight, so that a dead worker (which breaks every
    pending future of its pool) costs few items: each broken item is retried once on a fresh
    pool, then yielded as the error.

    Parameters
    ----------
    workers : int
        Number of processes (1-256).
    """

    name = "processes"

    def __init__(self, workers: int) -> None:
        self.workers = _check_workers(workers)
        self._live: Any = None

    def _pool(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_worker,
        )

    def start(self) -> None:
        """Start the worker processes now (else at the first item) and wait until they run."""
        if self._live is None:
            self._live = self._pool()
            wait([self._live.submit(_warm_worker) for _ in range(self.workers)])

    def imap_unordered(
        self, fn: Callable[[T], R], items: Sequence[T]
    ) -> Iterator[tuple[T, R | BaseException]]:
        from concurrent.futures.process import BrokenProcessPool

        queue: deque[tuple[int, T]] = deque(enumerate(items))
        retried: set[int] = set()
        inflight: dict[Future[R], tuple[int, T]] = {}
        try:
            while queue or inflight:
                if self._live is None:
                    self._live = self._pool()
                while queue and len(inflight) < 2 * self.workers:
                    number, item = queue.popleft()
                    inflight[self._live.submit(fn, item)] = (number, item)
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    number, item = inflight.pop(future)
                    exc = future.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken = True
                        if number not in retried:
                            retried.add(number)
                            queue.appendleft((number, item))
                            continue
                        yield (
                            item,
                            RuntimeError(
                                "the worker process died while analysing this file "
                                "(out of memory?); it was retried once"
                            ),
                        )
                    elif exc is not None:
                        yield item, exc
                    else:
                        yield item, future.result()
                if broken:  # every pending future of a broken pool fails: start a new pool
                    queue.extendleft(inflight.values())
                    inflight.clear()
                    self._live.shutdown(wait=False, cancel_futures=True)
                    self._live = None
        finally:
            for future in inflight:  # stopped early (Ctrl+C): do not start what is queued
                future.cancel()

    def close(self) -> None:
        """Stop the worker processes (after the files they are analysing)."""
        if self._live is not None:
            self._live.shutdown(wait=True, cancel_futures=True)
            self._live = None


class DaskExecutor:
    """A Dask cluster (``dask.distributed``): a scheduler address, or a local cluster.

    Needs the optional dependency ``dask[distributed]`` (the ``cluster`` extra). Workers of a
    remote cluster must have this package installed and see the files at the same paths.

    Parameters
    ----------
    address : str or None
        ``tcp://host:8786`` (any address ``distributed.Client`` takes), or None / ``"local"``
        for a ``LocalCluster`` on 127.0.0.1 (``workers`` processes, one thread each, no
        dashboard).
    workers : int
        Workers of a local cluster (ignored for a remote scheduler).
    processes : bool
        Local cluster only: worker processes (default), or threads of this process (no start-up
        cost; for small jobs and tests, since the analysis holds the GIL part of the time).
    """

    name = "dask"

    def __init__(
        self, address: str | None = None, *, workers: int = 2, processes: bool = True
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise DystoniaError(
                "the Dask backend needs the optional dependency dask[distributed]: "
                "pip install 'dystonia-workbench[cluster]'"
            ) from None
        import logging

        self.workers = _check_workers(workers)
        self.cluster: Any = None
        if address in (None, "", "local"):
            import dask

            where = {"host": "127.0.0.1"} if processes else {}  # threads talk in-process
            # Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536. Setting it turns off
            # glibc's adaptive mmap threshold, so every large array is a fresh mmap of zeroed
            # pages: the motion analysis then runs 2-2.5x slower per file (measured here,
            # docs/benchmarks.md). The thread caps of the same setting are kept.
            environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
            environ.pop("MALLOC_TRIM_THRESHOLD_", None)
            with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
                self.cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    **where,
                )
            self.address = str(self.cluster.scheduler_address)
            self.client = Client(self.cluster)
        else:
            self.address = str(address)
            try:
                self.client = Client(self.address, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise DystoniaError(
                    f"cannot reach the Dask scheduler at {self.address}: {exc}"
                ) from None
            self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def start(self) -> None:
        """Import the analyses in every worker now rather than at its first file."""
        self.client.run(_warm_worker)

    def imap_unordered(
        self, fn: Callable[[T], R], items: Sequence[T]
    ) -> Iterator[tuple[T, R | BaseException]]:
        from distributed import as_completed

        futures = self.client.map(fn, list(items), pure=False)
        by_key = {f.key: item for f, item in zip(futures, items, strict=True)}
        for future in as_completed(futures):
            item = by_key[future.key]
            try:
                yield item, future.result()
            except Exception as exc:  # KilledWorker, a lost connection...
                yield item, exc
            future.release()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _check_workers(workers: object) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
        raise InvalidInputError("workers", workers, allowed="a whole number 1-256")
    return workers


def make_executor(*, workers: int = 1, scheduler: str | None = None) -> Executor:
    """The executor the command line's options name.

    ``scheduler`` given: :class:`DaskExecutor` (``"local"`` starts a LocalCluster of ``workers``
    processes); else ``workers > 1``: :class:`ProcessExecutor`; else :class:`SerialExecutor`.
    """
    _check_workers(workers)
    if scheduler is not None:
        return DaskExecutor(scheduler, workers=max(workers, 1))
    if workers > 1:
        return ProcessExecutor(workers)
    return SerialExecutor()


# ---------------------------------------------------------------------------------- files
def _accepted(kind: str) -> frozenset[str]:
    ink = INK_SUFFIXES if ink_analyzer() is not None else frozenset()
    if kind == "motion":
        return MOTION_SUFFIXES
    if kind == "ink":
        return INK_SUFFIXES | {".csv", ".txt"}
    return MOTION_SUFFIXES | ink


def discover(
    input_dir: str | Path, *, kind: str = "auto", exclude: Iterable[Path] = ()
) -> tuple[list[Path], int]:
    """Recording files under ``input_dir`` (recursive, sorted), and how many files were ignored.

    Hidden files and folders (``.name``) and files with other extensions are ignored.
    """
    root = Path(input_dir)
    accepted = _accepted(kind)
    excluded = {p.resolve() for p in exclude}
    found: list[Path] = []
    ignored = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() in accepted and path.resolve() not in excluded:
            found.append(path)
        else:
            ignored += 1
    return found, ignored


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a batch output file (an empty list when it does not exist).

    Raises
    ------
    InvalidInputError
        The file exists and is not a batch output (never overwritten then).
    """
    p = Path(path)
    if not p.exists():
        return []
    try:
        table = pq.read_table(p)
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInputError(
            "--out", str(p), reason=f"exists and is not a Parquet file ({exc}); not overwritten"
        ) from None
    missing = [c for c in _KEY_COLUMNS if c not in table.column_names]
    if missing:
        raise InvalidInputError(
            "--out",
            str(p),
            reason="exists and is not a batch results file (no column "
            + ", ".join(missing)
            + "); not overwritten",
        )
    return table.to_pylist()


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    rows = sorted(rows, key=lambda r: str(r.get("path")))
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    table = table.replace_schema_metadata(
        {"dystonia.batch.row_schema": str(ROW_SCHEMA_VERSION), "dystonia.version": __version__}
    )
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------- the batch
@dataclass
class BatchSummary:
    """What a run did.

    Attributes
    ----------
    files : int
        Recording files found.
    analysed : int
        Files analysed in this run (``ok`` + ``errors``).
    ok, errors : int
        Outcomes of this run's analyses.
    already_done : int
        Files skipped: an ``ok`` row with the same input and parameters hash was on file.
    reused : int
        Files whose content had an ``ok`` row under another path (features copied).
    ignored : int
        Files that are not recordings (other extensions).
    rows : int
        Rows in the output.
    elapsed_s : float
        Wall time.
    executor : str
        ``serial``, ``processes`` or ``dask``, with the worker count.
    error_rows : list of (path, message)
        This run's errors.
    """

    files: int = 0
    analysed: int = 0
    ok: int = 0
    errors: int = 0
    already_done: int = 0
    reused: int = 0
    ignored: int = 0
    rows: int = 0
    elapsed_s: float = 0.0
    executor: str = "serial"
    error_rows: list[tuple[str, str]] = field(default_factory=list)


def run_batch(
    input_dir: str | Path,
    out: str | Path,
    *,
    kind: str = "auto",
    motion_params: MotionParams | None = None,
    format: str = "auto",
    executor: Executor | None = None,
    on_start: Callable[[int], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    checkpoint_s: float = 30.0,
) -> BatchSummary:
    """Analyse every recording under ``input_dir``; write one row per file to ``out``.

    Parameters
    ----------
    input_dir : str or Path
        Folder searched recursively (hidden files and other extensions ignored).
    out : str or Path
        Parquet output (``.parquet`` or ``.pq``); rows already there are reused (see the module
        docstring).
    kind : {"auto", "motion", "ink"}
        Which analysis: ``auto`` decides per file (:func:`detect_kind`).
    motion_params : MotionParams, optional
        Settings of :func:`dystonia.motion.analyze` (part of the parameters hash).
    format : str
        Reader of motion files (default ``auto``).
    executor : Executor, optional
        Default :class:`SerialExecutor`. Not closed here.
    on_start : callable, optional
        Called once with the number of files to analyse in this run.
    on_row : callable, optional
        Called with each new row as it arrives (progress).
    checkpoint_s : float
        Rewrite the output at most this often while running (seconds, > 0).

    Returns
    -------
    BatchSummary
    """
    from dystonia.motion.io import FORMATS

    if kind not in KINDS:
        raise InvalidInputError("kind", kind, allowed=list(KINDS))
    if format not in ("auto", *FORMATS):
        raise InvalidInputError("format", format, allowed=["auto", *FORMATS])
    if not (isinstance(checkpoint_s, int | float) and checkpoint_s > 0):
        raise InvalidInputError("checkpoint_s", checkpoint_s, allowed="a number of seconds > 0")
    root = Path(input_dir)
    if not root.is_dir():
        raise InvalidInputError("INPUT_DIR", str(root), reason=f"{str(root)!r} is not a folder")
    target = Path(out)
    if target.suffix.lower() not in (".parquet", ".pq"):
        raise InvalidInputError("--out", str(target), allowed="a .parquet file")
    if not target.parent.is_dir():
        raise InvalidInputError(
            "--out", str(target), reason=f"folder {str(target.parent)!r} does not exist"
        )
    if kind == "ink" and ink_analyzer() is None:
        raise InvalidInputError(
            "kind", kind, reason="pen analysis (dystonia.ink) is not in this installation"
        )
    params = motion_params or MotionParams()
    executor = executor or SerialExecutor()
    started = time.perf_counter()

    existing = read_results(target)
    files, ignored = discover(root, kind=kind, exclude=[target])
    summary = BatchSummary(files=len(files), ignored=ignored)
    summary.executor = f"{executor.name} ({executor.workers} worker{'s' * (executor.workers > 1)})"

    rows: dict[str, dict[str, Any]] = {str(r["path"]): r for r in existing}
    done_by_content = {
        (r["input_sha256"], r["params_sha256"]): r for r in existing if r.get("status") == "ok"
    }
    digests: dict[str, str] = {}
    tasks: list[FileTask] = []
    for path in files:
        name = path.relative_to(root).as_posix()
        task = FileTask(str(path.resolve()), name, kind, params, format)
        if done_by_content:
            try:
                analysis = detect_kind(path) if kind == "auto" else kind
                if analysis not in digests:
                    digests[analysis] = params_digest(analysis, params, format)
                content = (_sha256(path)[0], digests[analysis])
            except (OSError, DystoniaError):
                content = None  # the worker will record what is wrong
            own = rows.get(name) or {}
            if own.get("status") == "ok" and (own["input_sha256"], own["params_sha256"]) == content:
                summary.already_done += 1
                continue
            prior = done_by_content.get(content) if content else None
            if prior is not None:
                rows[name] = {**prior, "path": name}
                summary.reused += 1
                continue
        tasks.append(task)

    if on_start is not None:
        on_start(len(tasks))
    last_write = time.monotonic()
    try:
        for task, outcome in executor.imap_unordered(analyze_file, tasks):
            if isinstance(outcome, BaseException):  # the machinery failed, not the analysis
                row = {
                    "path": task.name,
                    "status": "error",
                    "error": f"{type(outcome).__name__}: {outcome}",
                    "package_version": __version__,
                    "analysed_at": dt.datetime.now(dt.UTC),
                }
            else:
                row = outcome
            rows[task.name] = row
            summary.analysed += 1
            if row.get("status") == "ok":
                summary.ok += 1
            else:
                summary.errors += 1
                summary.error_rows.append((task.name, str(row.get("error"))))
            if on_row is not None:
                on_row(row)
            if time.monotonic() - last_write >= checkpoint_s:
                _write(target, list(rows.values()))
                last_write = time.monotonic()
    finally:
        # also on Ctrl+C: keep what is done, so that the next run resumes
        _write(target, list(rows.values()))
    summary.rows = len(rows)
    summary.elapsed_s = time.perf_counter() - started
    return summary
