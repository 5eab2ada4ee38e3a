"""SIGTERM/SIGINT for the local engine: finish the step in flight, keep a consistent checkpoint, exit 128 + signal.

    with GracefulStop() as stop:
        for step in ...:
            grpo_step(...)
            if stop.requested:                       # the step's update is complete
                save_checkpoint(run_dir, step, ...)  # atomic: a resume continues at step + 1 exactly
                raise stop.stopped(f"after step {step}; ...")

The first signal only sets a flag. A second one (of either kind) abandons at once: the handler raises
:class:`Stopped` wherever the run is, so every ``finally`` and atomic write still removes its temporary files
(the default action would kill the process without unwinding). :class:`Stopped` is a ``BaseException``, so no
``except Exception`` on the way swallows it; ``longrlvr train`` prints its one line and exits with
:attr:`Stopped.exit_code` (143 for SIGTERM, 130 for SIGINT). Handlers are installed in the main thread only and
restored on exit.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any


class Stopped(BaseException):
    """The run stopped on a signal; ``str(stopped)`` is the one line to print."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class GracefulStop:
    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.signum: int | None = None
        self._old: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def stopped(self, what: str) -> Stopped:
        """The exception that ends the run after the first signal (``what``: where it stopped, what was kept)."""
        return Stopped(f"stopped by {self.signal_name} {what}", self.signum or signal.SIGTERM)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
            return
        self._restore()  # a third signal gets the default action
        raise Stopped(f"stopped by a second {signal.Signals(signum).name}: the step in flight was abandoned", signum)

    def _restore(self) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()

    def __enter__(self) -> GracefulStop:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._restore()
