"""Stopping a local server stops what it forked too, and ports are chosen free."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sovex.services.local_processes import exit_status, free_loopback_ports, stop_groups

# A parent that forks a child ignoring SIGTERM, writes the child's pid, then waits.
PARENT = """
import os, signal, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"])
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose: its status says so.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_stopping_a_group_also_stops_what_its_leader_forked(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(pid_file)], start_new_session=True)
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pid_file.read_text())
    assert exit_status(parent) is None and _alive(child)

    started = time.monotonic()
    stop_groups([parent], timeout_s=1)
    assert parent.returncode is not None  # reaped
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)  # it ignored SIGTERM: the group's SIGKILL got it
    assert time.monotonic() - started < 10


def test_a_reaped_leader_s_group_is_never_signalled() -> None:
    done = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    done.wait()
    stop_groups([done], timeout_s=1)  # its pid may belong to someone else: no signal
    assert done.returncode == 0


def test_free_ports_are_distinct_and_avoid_the_given_ones() -> None:
    first = free_loopback_ports(5)
    assert len(set(first)) == 5
    again = free_loopback_ports(20, avoid=set(first))
    assert len(set(again)) == 20 and not set(again) & set(first)
