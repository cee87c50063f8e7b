"""An exclusive inter-process file lock (fcntl) that serializes a collection's writers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def write_lock(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive advisory ``flock`` on ``path`` (created if missing) while inside.

    ``on_wait`` is called once if another holder makes this wait. Locks on separate opens of
    one file exclude each other, between threads of one process too. POSIX only; elsewhere
    it is a no-op and SQLite's own locking still keeps writes atomic.

    >>> import tempfile
    >>> with write_lock(Path(tempfile.mkdtemp()) / "x.lock"):
    ...     pass
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
