"""One writer per run directory: an ``fcntl.flock`` on ``run_dir/.lock``, held for the whole run.

    with RunLock(run_dir):        # RunDirBusy: "<dir> is in use by another run (pid 1234); ..."
        prepare_run_dir(cfg)      # only now may an earlier run's outputs be removed
        ...

The lock is taken before anything in the directory is read, removed or written, so a second run can never
delete what the first is writing. The kernel drops the lock when its holder dies (kill -9 included), so a
stale pid never blocks; the pid written into the lock file is only there to name the holder.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from longrlvr.local.run_dir import RunDirError

LOCK_FILE = ".lock"


class RunDirBusy(RunDirError):
    """Another live process holds the run directory (a user error: one line, exit 2)."""


class RunLock:
    """The exclusive lock of ``run_dir`` (created if missing); a context manager."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise RunDirBusy(
                f"{self.run_dir} is in use by another run (pid {holder}); wait for it to finish, stop it "
                "(kill -TERM saves a checkpoint), or choose another --out"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def _holder(fd: int) -> str:
    """The pid the holder wrote (``unknown`` while it is still writing it)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").split()
    except OSError:
        return "unknown"
    return text[0] if text and text[0].isdigit() else "unknown"
