"""Waiting, with a deadline, for something to become true: a server to answer, a cluster to
see all its nodes, an identity to be accepted, a process to be gone.

One loop for all of them. A check returns None when what it waits for holds, else a few
words on what it still waits for (they end up in the caller's error message); a check that
raises stops the wait at once (a server that exited will not start answering).
"""

from __future__ import annotations

import time
from collections.abc import Callable

Check = Callable[[], str | None]


def deadline_in(timeout_s: float) -> float:
    """The `time.monotonic()` instant `timeout_s` seconds from now."""
    return time.monotonic() + timeout_s


def wait_until(check: Check, deadline: float, interval_s: float) -> str | None:
    """Call `check` every `interval_s` until it returns None or `deadline` passes (it is
    always called at least once). None when it held, else what it last waited for."""
    while True:
        waiting_for = check()
        if waiting_for is None:
            return None
        if time.monotonic() >= deadline:
            return waiting_for
        time.sleep(interval_s)
