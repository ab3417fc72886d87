from __future__ import annotations

import stat
from pathlib import Path

import pytest

from anonymization.keys import (
    MASTER_KEY_BYTES,
    create_demo_master_key,
    derive_project_key,
    key_fingerprint,
    load_master_key,
)
from sovex.model.errors import ConfigurationError

# A fixed test key that passes the checks (not a counting sequence, 32 distinct bytes).
MASTER = bytes((7 * index * index + 3) % 251 for index in range(MASTER_KEY_BYTES))


def test_when_no_key_is_configured_then_loading_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no master key"):
        load_master_key(tmp_path / "missing.key", None)


def test_when_key_is_too_short_then_the_message_gives_sizes_but_not_the_key() -> None:
    short = "ab" * (MASTER_KEY_BYTES - 1)
    with pytest.raises(ConfigurationError) as raised:
        load_master_key(Path("/nonexistent"), short)
    assert f"{MASTER_KEY_BYTES - 1} bytes" in str(raised.value)
    assert short not in str(raised.value)


def test_environment_key_wins_over_the_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    create_demo_master_key(key_file)
    assert load_master_key(key_file, MASTER.hex()) == MASTER


def test_demo_key_is_private_and_never_overwritten(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "master.key"
    assert create_demo_master_key(key_file) is True
    first = key_file.read_text()
    assert create_demo_master_key(key_file) is False
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(load_master_key(key_file, None)) == MASTER_KEY_BYTES


def test_each_project_gets_its_own_key() -> None:
    assert derive_project_key(MASTER, "alpha") != derive_project_key(MASTER, "beta")
    assert derive_project_key(MASTER, "alpha") == derive_project_key(MASTER, "alpha")


def test_fingerprint_is_short_and_does_not_reveal_the_key() -> None:
    project_key = derive_project_key(MASTER, "alpha")
    fingerprint = key_fingerprint(project_key)
    assert len(fingerprint) == 16
    assert fingerprint not in project_key.hex()


@pytest.mark.parametrize(
    "placeholder",
    [
        "00" * MASTER_KEY_BYTES,
        "ff" * MASTER_KEY_BYTES,
        "deadbeef" * 8,
        "0123456789abcdef" * 4,
        bytes(range(MASTER_KEY_BYTES)).hex(),  # the benchmarks' key
        bytes(range(255, 255 - MASTER_KEY_BYTES, -1)).hex(),
        bytes(range(0, 3 * MASTER_KEY_BYTES, 3)).hex(),
    ],
)
def test_a_placeholder_key_of_the_right_length_is_refused_without_being_echoed(
    placeholder: str,
) -> None:
    with pytest.raises(ConfigurationError, match="not random") as raised:
        load_master_key(Path("/nonexistent"), placeholder)
    assert placeholder not in str(raised.value)
