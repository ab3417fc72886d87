from __future__ import annotations

import pytest

from sovex.reference_docs import REFERENCES, cli_reference, request_reference


@pytest.mark.parametrize("path", sorted(REFERENCES), ids=lambda p: p.name)
def test_the_committed_reference_is_what_the_code_generates(path) -> None:
    assert path.read_text(encoding="utf-8") == REFERENCES[path](), (
        f"{path.name} is out of date: run `make docs`"
    )


def test_the_cli_reference_lists_every_command_with_its_options() -> None:
    text = cli_reference()
    for heading in ("## `sovex run`", "## `sovex request validate`", "## `sovex extract download`"):
        assert heading in text
    assert "| `--lang` | option, required |" in text


def test_the_request_reference_gives_every_field_its_default_and_limits() -> None:
    text = request_reference()
    assert "| `k_threshold` | integer | `5` | ≥ 2; ≤ 100 |" in text
    assert "| `max_suppression` | number | `0.05` | ≥ 0; ≤ 0.2 |" in text
    assert "## CohortFilter" in text and "| `op` |" in text
