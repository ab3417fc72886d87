"""Run a malformed-input case as a user would: `sovex …` in its own process, in a fresh
folder, then check what it answered and what it left behind.

`python -m tests.malformed.runner [--sequential] [NAME-SUBSTRING…]` prints every case's exit
code, time and peak memory (the figures of issue 19's note).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.malformed.case import SECRET_MARKER, Case

SOVEX = [sys.executable, "-m", "sovex"]
# A case that has not answered by then hangs (the target is 5 s; the machine is shared).
HANG_SECONDS = 30
MAX_RSS_BYTES = 300 * 1024 * 1024
SOURCE_PATIENTS = "40"
# Runs the command and writes its peak memory to a file. A forked child starts with its
# parent's peak (Linux keeps ru_maxrss across fork and exec), so the command is forked
# from this small process, never from the test runner.
PEAK_MEMORY_WRAPPER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss * 1024))
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


@dataclass(frozen=True)
class Outcome:
    case: Case
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_bytes: int
    # Files that appeared outside the state folder and the case's own inputs.
    stray_files: tuple[str, ...]

    def problems(self) -> list[str]:
        found = []
        if self.exit_code not in self.case.expected_exit:
            found.append(f"exit {self.exit_code}, expected {sorted(self.case.expected_exit)}")
        output = self.stdout + self.stderr
        if "Traceback" in output:
            found.append("a traceback reached the terminal")
        if "internal error" in output:
            found.append("answered 'internal error'")
        if SECRET_MARKER in output:
            found.append("echoed content of a file that is not what it should be")
        if self.case.message and self.case.message not in output:
            found.append(f"message does not say {self.case.message!r}")
        if self.exit_code != 0 and not self.stderr.strip():
            found.append("failed without a message")
        if self.stray_files:
            found.append(f"wrote outside the state folder: {', '.join(self.stray_files)}")
        if self.max_rss_bytes > MAX_RSS_BYTES:
            found.append(f"used {self.max_rss_bytes >> 20} MB")
        return found


def _materialise(case: Case, inputs: Path) -> None:
    for relative, content in case.files.items():
        path = inputs / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _expand(text: str, root: Path) -> str:
    return (
        text.replace("{in}", str(root / "in"))
        .replace("{state}", str(root / "state"))
        .replace("{root}", str(root))
    )


def _environ(case: Case, root: Path) -> dict[str, str]:
    environ = {
        key: value for key, value in os.environ.items() if not key.startswith(("SOVEX_", "AIRFLOW"))
    }
    environ.update(
        {
            "HOME": str(root / "home"),
            "SOVEX_STATE_DIR": str(root / "state"),
            "SOVEX_USER": "claire.moreau@chu-exemple.fr",
            "PYTHONDONTWRITEBYTECODE": "1",
            "COLUMNS": "200",
        }
    )
    environ.update({key: _expand(value, root) for key, value in case.env.items()})
    return environ


def _run(argv: list[str], environ: dict[str, str], cwd: Path) -> tuple[int, str, str, float, int]:
    """Exit code, stdout, stderr, seconds and the peak memory of the process (its own,
    from wait4, however many cases run at once)."""
    started = time.monotonic()
    peak_report = cwd / f".peak-{threading.get_ident()}"
    process = subprocess.Popen(
        [sys.executable, "-S", "-c", PEAK_MEMORY_WRAPPER, str(peak_report), *argv],
        env=environ,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    output: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda n=n, s=s: output.__setitem__(n, s.read()))
        for n, s in (("stdout", process.stdout), ("stderr", process.stderr))
    ]
    for reader in readers:
        reader.start()
    hung = b""
    while True:
        pid, status = os.waitpid(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > HANG_SECONDS:
            os.killpg(process.pid, signal.SIGKILL)
            hung = f"\n(hung: killed after {HANG_SECONDS} s)".encode()
        time.sleep(0.02)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    for reader in readers:
        reader.join()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    peak = int(peak_report.read_text()) if peak_report.exists() else 0
    peak_report.unlink(missing_ok=True)
    return (
        process.returncode,
        output["stdout"].decode("utf-8", "replace"),
        (output["stderr"] + hung).decode("utf-8", "replace"),
        seconds,
        peak,
    )


def _files_under(folder: Path, skip: Iterable[Path]) -> set[str]:
    skipped = [path.resolve() for path in skip]
    found = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath).resolve()
        if any(here == s or here.is_relative_to(s) for s in skipped):
            dirnames[:] = []
            continue
        found.update(str(Path(dirpath, name).relative_to(folder)) for name in filenames)
        found.update(str(Path(dirpath, name).relative_to(folder)) for name in dirnames)
    return found


def _setup(case: Case, root: Path, environ: dict[str, str], source: Path | None) -> None:
    if case.needs_source and source is not None:
        shutil.copytree(source, root / "state" / "source")
    for step in case.setup:
        head = step[0]
        if head.startswith("write:"):
            (root / "in" / head.removeprefix("write:")).write_text(step[1], encoding="utf-8")
            continue
        if head.startswith("move:"):
            moved = root / "in" / head.removeprefix("move:")
            moved.rename(moved.with_name(f"moved-{moved.name}"))
            continue
        step_environ = dict(environ)
        if head.startswith("as:"):
            step_environ["SOVEX_USER"] = head.removeprefix("as:")
            step = step[1:]
        code, _, stderr, _, _ = _run(
            [*SOVEX, *(_expand(arg, root) for arg in step)], step_environ, root / "work"
        )
        if code != 0:
            raise RuntimeError(f"{case.name}: setup step {step} failed: {stderr}")


def run_case(case: Case, source: Path | None = None) -> Outcome:
    """Run one case in its own processes (each case's peak memory is its own)."""
    with tempfile.TemporaryDirectory(prefix="sovex-malformed-") as folder:
        root = Path(folder)
        for name in ("in", "work", "home", "state"):
            (root / name).mkdir()
        _materialise(case, root / "in")
        environ = _environ(case, root)
        _setup(case, root, environ, source)
        before = _files_under(root, [root / "state", root / "in"])
        argv = [*SOVEX, *(_expand(arg, root) for arg in case.argv)]
        code, stdout, stderr, seconds, rss = _run(argv, environ, root / "work")
        after = _files_under(root, [root / "state", root / "in"])
        stray = tuple(sorted(after - before))
        # Whatever the case made read-only or odd is still removable by its owner.
        for dirpath, _, _ in os.walk(root):
            os.chmod(dirpath, 0o700)
        return Outcome(case, code, stdout, stderr, seconds, rss, stray)


def synthetic_source(folder: Path) -> Path:
    """A small synthetic population, made once and copied into the cases that need it."""
    subprocess.run(
        [*SOVEX, "synth", "--patients", SOURCE_PATIENTS, "--out", str(folder / "source")],
        env={**_environ(Case(name="synth", argv=()), folder)},
        check=True,
        capture_output=True,
    )
    return folder / "source"


def run_cases(cases: list[Case], workers: int = 4) -> Iterator[Outcome]:
    with tempfile.TemporaryDirectory(prefix="sovex-malformed-source-") as folder:
        (Path(folder) / "home").mkdir()
        source = synthetic_source(Path(folder))
        with ThreadPoolExecutor(workers) as pool:
            yield from pool.map(lambda c: run_case(c, source), cases)


def all_cases() -> list[Case]:
    from tests.malformed.commands import command_cases
    from tests.malformed.requests import request_cases

    return request_cases() + command_cases()


def main(argv: list[str]) -> int:
    workers = 4
    if argv[:1] == ["--sequential"]:
        # One case at a time: the times to quote (in parallel they share two cores).
        workers, argv = 1, argv[1:]
    cases = [c for c in all_cases() if not argv or any(a in c.name for a in argv)]
    failed = 0
    slowest = 0.0
    largest = 0
    for outcome in run_cases(cases, workers):
        problems = outcome.problems()
        failed += bool(problems)
        slowest = max(slowest, outcome.seconds)
        largest = max(largest, outcome.max_rss_bytes)
        mark = "FAIL" if problems else "ok  "
        print(
            f"{mark} exit {outcome.exit_code} {outcome.seconds:5.2f} s "
            f"{outcome.max_rss_bytes >> 20:4d} MB  {outcome.case.name}"
            + (f"  <- {'; '.join(problems)}" if problems else "")
        )
        if problems:
            last = (outcome.stderr.strip().splitlines() or [""])[-1]
            print(f"       {last[:300]}")
    print(
        f"{len(cases)} cases, {failed} mishandled; slowest {slowest:.2f} s, "
        f"largest {largest >> 20} MB"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
