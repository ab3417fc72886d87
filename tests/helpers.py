"""Helpers shared by test modules (import as `tests.helpers`; no side effects)."""

from __future__ import annotations

from pathlib import Path

from sovex.settings import Settings

# Two people of infra/roles.yaml: the four-eyes rule needs a steward other than the author.
STEWARD = "paul.bernard@chu-exemple.fr"


def approve_request(settings: Settings, request_file: Path) -> None:
    """Submit a request as its own requester and approve it as a steward (unless the same
    content is already approved)."""
    from datetime import UTC, datetime

    from sovex.request import load_request
    from sovex.request_lifecycle import RequestStore

    store = RequestStore.for_settings(settings)
    request = load_request(request_file, settings.catalogs_dir, settings.targets_dir)
    store.submit(request_file, request.requester, datetime.now(UTC))
    approval = store.get(request.id).approval
    if approval is None or approval.request_sha256 != request.sha256():
        store.approve(request.id, STEWARD, datetime.now(UTC))
