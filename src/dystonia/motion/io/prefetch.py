"""Read ahead: decode the next pieces of a file in a background thread while this one is used.

Decoding (Arrow's Parquet and CSV readers, numpy on large arrays) releases the GIL, so on a
machine with two or more cores reading overlaps with analysis. At most ``depth`` pieces wait in
the queue, so memory stays bounded; the order of the pieces never changes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["prefetch"]

T = TypeVar("T")

_ITEM, _DONE, _ERROR = 0, 1, 2
_POLL_S = 0.05


def prefetch(items: Iterable[T], *, depth: int = 2) -> Iterator[T]:
    """Yield ``items`` in order, produced up to ``depth`` ahead in a background thread.

    An exception raised while producing is raised again here, at the point where the failing
    item would have been yielded. Leaving the loop early (break, an exception in the caller)
    stops the producer after its current item.
    """
    pipe: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple[int, object]) -> bool:
        while not stop.is_set():
            try:
                pipe.put(message, timeout=_POLL_S)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((_ITEM, item)):
                    return
        except BaseException as exc:  # handed to the consumer, re-raised there
            put((_ERROR, exc))
            return
        put((_DONE, None))

    worker = threading.Thread(target=produce, name="dystonia-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = pipe.get()
            if kind == _ITEM:
                yield value  # type: ignore[misc]
            elif kind == _DONE:
                return
            else:
                assert isinstance(value, BaseException)
                raise value
    finally:
        stop.set()
        worker.join()
