from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from transforms.retention import is_expired


def manifest_locked_until(value: str) -> Any:
    return SimpleNamespace(retention=SimpleNamespace(locked_until=value))


def test_an_extract_expires_exactly_when_its_lock_ends() -> None:
    manifest = manifest_locked_until("2029-01-01T00:00:00+00:00")
    assert not is_expired(manifest, datetime(2028, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert is_expired(manifest, datetime(2029, 1, 1, tzinfo=UTC))
