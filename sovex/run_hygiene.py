"""What a run leaves behind on the host: nothing another local user can read, and nothing
that links a pseudonym to a person once the run is over, even when it was killed.

- `make_state_private`: files sovex creates are 0600 and folders 0700 (umask), and the
  state folder itself is 0700, so no other local user can read into it;
- `run_lease`: held (a shared `flock`) by `sovex run` for the whole run and by each DAG
  step while it runs; the kernel drops it when the process dies, whatever killed it;
- `recover_dead_runs`: a request left `running` by a run whose lease nobody holds is
  moved to `failed` (audited), and every run folder's patient-level files (`parts/`:
  the included ids, the patients' keys and date shifts, the written parts) are removed
  unless a live run holds its lease; what a failed run uploaded without its manifest
  is deleted from the store. Called by `sovex run` before it starts, and by
  `sovex run --recover`.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sovex.model.errors import ConfigurationError
from sovex.model.settings import Settings

if TYPE_CHECKING:
    from sovex.governance.store import RequestStore

LOG = logging.getLogger(__name__)

PRIVATE_UMASK: Final = 0o077
PRIVATE_DIR_MODE: Final = 0o700
LEASE_SUFFIX: Final = ".lease"
# A DAG run scheduled by Airflow holds its lease only while one of its steps runs: between
# steps (queued, waiting for a worker) it is free. Such a run is dead only once its lease
# has been free and untouched this long; a `sovex run` holds it throughout, so a free
# lease there means its process is gone.
SCHEDULED_RUN_GRACE_SECONDS: Final = 30 * 60
HOLDER_CLI: Final = "sovex run"
HOLDER_DAG: Final = "dag step"


def make_state_private(settings: Settings) -> None:
    """New files 0600 and folders 0700 for this process, and the state folder 0700."""
    os.umask(PRIVATE_UMASK)
    state = settings.state_dir
    if state.exists() and not state.is_dir():
        raise ConfigurationError(f"state folder {state} (SOVEX_STATE_DIR): not a folder")
    if state.is_dir() and state.stat().st_uid == os.getuid():
        state.chmod(PRIVATE_DIR_MODE)


def lease_file(settings: Settings, extract_id: str) -> Path:
    return settings.runs_dir / f"{extract_id}{LEASE_SUFFIX}"


@contextmanager
def run_lease(settings: Settings, extract_id: str, holder: str) -> Iterator[None]:
    """Hold the run's lease (shared: `sovex run` and its steps hold it together) and mark
    its file with the holder and the time, for `recover_dead_runs`."""
    path = lease_file(settings, extract_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        if holder == HOLDER_CLI or os.fstat(descriptor).st_size == 0:
            # A step inside `sovex run` keeps the CLI's mark: the run is the CLI's.
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, json.dumps({"holder": holder, "pid": os.getpid()}).encode(), 0)
        os.utime(descriptor)
        yield
    finally:
        try:
            os.utime(descriptor)
        finally:
            os.close(descriptor)  # closing releases the lock


def _lease_is_held(path: Path) -> bool:
    """Whether a live process holds the lease (an exclusive try fails while anyone does)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


def _holder(path: Path) -> str | None:
    try:
        holder = json.loads(path.read_text(encoding="utf-8")).get("holder")
    except (OSError, ValueError, AttributeError):
        return None
    return holder if isinstance(holder, str) else None


def _is_dead(settings: Settings, extract_id: str, now: float) -> bool:
    path = lease_file(settings, extract_id)
    if _lease_is_held(path):
        return False
    if _holder(path) == HOLDER_CLI:
        return True
    # A scheduled run (or one with no lease yet): dead once quiet for the grace period.
    folder = settings.runs_dir / extract_id
    touched = [p.stat().st_mtime for p in (path, folder) if p.exists()]
    return not touched or now - max(touched) > SCHEDULED_RUN_GRACE_SECONDS


SWEPT_MARK = "unpublished-attempt-swept"


def _sweep_unpublished_attempts(settings: Settings, store: RequestStore) -> dict[str, int]:
    """Objects a failed run uploaded without writing its manifest (never locked, never
    listed, but under a prefix the project can read) are deleted, once per failed run;
    a run whose manifest exists is left for its rerun to finish. Storage out of reach
    is a warning: the next start tries again."""
    from botocore.exceptions import BotoCoreError, ClientError

    from sovex.governance.transitions import State
    from sovex.model.errors import SovexError
    from sovex.model.request import load_request
    from sovex.storage_access import publishing_client
    from transforms.publish import extract_prefix, read_published_manifest, remove_leftovers

    swept: dict[str, int] = {}
    for status in store.list_requests():
        last = status.last_run
        if status.state is not State.FAILED or last is None:
            continue
        mark = settings.runs_dir / last.extract_id / SWEPT_MARK
        if mark.exists():
            continue
        try:
            request = load_request(
                status.submission.request_file, settings.catalogs_dir, settings.targets_dir
            )
            s3, target, _ = publishing_client(settings, request.target)
            prefix = extract_prefix(request.project, last.extract_id)
            if read_published_manifest(s3, target.bucket, prefix) is None:
                removed = remove_leftovers(s3, target.bucket, prefix)
                if removed:
                    swept[last.extract_id] = removed
        except (SovexError, ClientError, BotoCoreError, OSError) as error:
            LOG.warning(
                "could not sweep the unpublished attempt %s (%s)",
                last.extract_id,
                type(error).__name__,
            )
            continue
        mark.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
        mark.touch()
    return swept


@dataclass(frozen=True)
class Recovery:
    failed: list[str]  # extract ids of dead runs moved from running to failed
    cleaned: list[str]  # extract ids whose patient-level files were removed


def recover_dead_runs(
    settings: Settings, requested_by: str, *, now: float | None = None
) -> Recovery:
    """Fail the requests whose run died and remove what dead runs left (see the module).
    sovex itself acts (it is its own run it recovers); the audit names who asked."""
    from sovex.audit import AuditAction, AuditLog, default_log_path
    from sovex.governance.store import RequestStore
    from sovex.governance.transitions import State
    from sovex.roles import SYSTEM_ACTOR

    moment = time.time() if now is None else now
    store = RequestStore.for_settings(settings)
    running = {
        status.last_run.extract_id: status.request_id
        for status in store.list_requests()
        if status.state is State.RUNNING and status.last_run is not None
    }
    failed: list[str] = []
    for extract_id, request_id in sorted(running.items()):
        if _is_dead(settings, extract_id, moment):
            store.finish_run(
                request_id,
                extract_id,
                False,
                SYSTEM_ACTOR,
                datetime.now(UTC),
                reason="the run's process died; recovered by the next start",
            )
            failed.append(extract_id)
    cleaned: list[str] = []
    folders = sorted(settings.runs_dir.iterdir()) if settings.runs_dir.is_dir() else []
    for folder in folders:
        alive = folder.name in running and folder.name not in failed
        if not (folder / "parts").is_dir() or alive:
            continue
        if _lease_is_held(lease_file(settings, folder.name)):
            continue  # a rerun of a finished run, under way
        shutil.rmtree(folder / "parts", ignore_errors=True)
        cleaned.append(folder.name)
    swept = _sweep_unpublished_attempts(settings, store)
    log = AuditLog(default_log_path(settings.state_dir))
    for extract_id, objects in sorted(swept.items()):
        log.append(
            SYSTEM_ACTOR,
            AuditAction.RUN_RECOVERED,
            extract_id,
            {"unpublished_objects_removed": objects, "requested_by": requested_by},
        )
    for extract_id in sorted(set(failed) | set(cleaned)):
        log.append(
            SYSTEM_ACTOR,
            AuditAction.RUN_RECOVERED,
            extract_id,
            {
                "marked_failed": extract_id in failed,
                "files_removed": extract_id in cleaned,
                "requested_by": requested_by,
            },
        )
    if failed or cleaned:
        LOG.info("recovered %d dead run(s), cleaned %d run folder(s)", len(failed), len(cleaned))
    return Recovery(failed, cleaned)


def committed_run_date(settings: Settings, request_id: str) -> datetime | None:
    """The logical date of the request's last run when it is recorded failed although its
    manifest was written (the commit point: storage failed after it, during the locks or
    the access grant) for the approved content; None otherwise. Rerun at that date, the
    run finishes that extract (locks, access, state `published`) instead of publishing a
    second one."""
    from sovex.governance.store import RequestStore
    from sovex.governance.transitions import State
    from sovex.model.request import load_request
    from sovex.model.run import EXTRACT_ID_TIME_FORMAT
    from sovex.storage_access import publishing_client
    from transforms.publish import extract_prefix, read_published_manifest

    status = RequestStore.for_settings(settings).get(request_id)
    last, approval = status.last_run, status.approval
    if status.state is not State.FAILED or last is None or approval is None:
        return None
    request = load_request(
        status.submission.request_file, settings.catalogs_dir, settings.targets_dir
    )
    s3, target, _ = publishing_client(settings, request.target)
    manifest = read_published_manifest(
        s3, target.bucket, extract_prefix(request.project, last.extract_id)
    )
    if manifest is None or manifest.request_sha256 != approval.request_sha256:
        return None
    stamp = last.extract_id.removeprefix(f"{request_id}-")
    return datetime.strptime(stamp, EXTRACT_ID_TIME_FORMAT).replace(tzinfo=UTC)
