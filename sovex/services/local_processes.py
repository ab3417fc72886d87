"""Servers this machine runs for sovex (Airflow components, Celery workers, Redis,
PostgreSQL, SeaweedFS clusters): free loopback ports, and stopping a child together with
whatever it forked.

Each child is started in its own session (`start_new_session=True`), so its pid is also
its process group's id. A group is signalled only while its leader is not reaped: until
then the pid cannot be given to another process, so a signal can only reach what we
started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Collection, Sequence

from sovex.services.readiness import deadline_in, wait_until

LOOPBACK = "127.0.0.1"
POLL_INTERVAL_S = 0.1


def free_loopback_ports(count: int, avoid: Collection[int] = ()) -> list[int]:
    """`count` distinct free 127.0.0.1 ports, none of them in `avoid`."""
    with contextlib.ExitStack() as held:
        ports: list[int] = []
        while len(ports) < count:
            # Every probe stays bound until all are chosen, so no two are the same.
            probe = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            probe.bind((LOOPBACK, 0))
            port = int(probe.getsockname()[1])
            if port not in avoid:
                ports.append(port)
        return ports


def free_loopback_port(avoid: Collection[int] = ()) -> int:
    [port] = free_loopback_ports(1, avoid)
    return port


def exit_status(process: subprocess.Popen[bytes]) -> int | None:
    """The exit status if the process exited, else None, without reaping it (see the
    module's docstring)."""
    if process.returncode is not None:
        return process.returncode
    try:
        info = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return process.poll()
    if info is None:
        return None
    return -info.si_status if info.si_code in (os.CLD_KILLED, os.CLD_DUMPED) else info.si_status


def signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the process group we created for `process`, unless its leader is reaped."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def stop_groups(processes: Sequence[subprocess.Popen[bytes]], timeout_s: float) -> None:
    """SIGTERM every group, wait up to `timeout_s` for the leaders, then SIGKILL what is
    left in each group (a leader, or what it forked and left behind) and reap."""
    for process in processes:
        signal_group(process, signal.SIGTERM)

    def all_exited() -> str | None:
        return "running" if any(exit_status(p) is None for p in processes) else None

    wait_until(all_exited, deadline_in(timeout_s), POLL_INTERVAL_S)
    for process in processes:
        signal_group(process, signal.SIGKILL)
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout_s)
