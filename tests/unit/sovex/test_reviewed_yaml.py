"""Reviewed YAML (requests, targets): what a reviewer reads is what sovex loads, and a file
that is not one neither hangs sovex nor is echoed back."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovex.model.errors import InvalidInput
from sovex.model.reviewed_yaml import (
    MAX_YAML_DEPTH,
    ReviewedYamlError,
    load_reviewed_yaml,
    safe_yaml_load,
)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("a: " + "[" * 10_000 + "]" * 10_000, f"nested more than {MAX_YAML_DEPTH} levels deep"),
        ("a: " + "{b: " * 10_000 + "c" + "}" * 10_000, "nested more than"),
        ("a: 2026-02-30", "not a date that exists"),
        ("a: 2026-13-01", "not a date that exists"),
        ("a: " + "9" * 5000, "a number of more than 32 characters"),
        ("a: 0." + "1" * 5000, "a number of more than 32 characters"),
        ("? [a, b]\n: c", "a key must be a plain value"),
        ("base: &b {k: 1}\n<<: *b", "merge keys (<<) are not accepted"),
        ("k: 1\nk: 2", "duplicate key 'k'"),
    ],
)
def test_a_broken_rule_is_named_with_its_line_and_column(text: str, rule: str) -> None:
    with pytest.raises(ReviewedYamlError, match=r"line [0-9]+, column [0-9]+: ") as raised:
        safe_yaml_load(text)
    assert rule in str(raised.value)


def test_what_a_reviewer_reads_is_what_loads() -> None:
    loaded = safe_yaml_load("country: NO\nok: true\nk: 5\nshare: 0.1\nwhen: 2026-01-31\n")
    assert loaded["country"] == "NO"  # YAML 1.1 would read False
    assert loaded["ok"] is True and loaded["k"] == 5 and loaded["share"] == 0.1
    assert str(loaded["when"]) == "2026-01-31"


def test_a_parse_error_never_quotes_the_file(tmp_path: Path) -> None:
    secret = "hunter2-do-not-echo"
    path = tmp_path / "request.yaml"
    path.write_text(f"id: x\nk: [a, b\npassword: {secret}\n")
    with pytest.raises(InvalidInput) as raised:
        load_reviewed_yaml(path, "request")
    assert secret not in str(raised.value)
    assert str(raised.value).startswith(f"{path}: not valid YAML: line 3, column ")


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "too large", "latin-1"])
def test_only_a_small_regular_utf8_file_is_read(tmp_path: Path, kind: str) -> None:
    import os

    path = tmp_path / "request.yaml"
    if kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "too large":
        path.write_text("# x\n" * 300_000)
    else:
        path.write_bytes("requester: Hélène".encode("latin-1"))
    with pytest.raises(InvalidInput, match=str(path)):
        load_reviewed_yaml(path, "request")
