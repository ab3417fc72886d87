from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovex.errors import InvalidInput
from sovex.scrub_files import read_scrub_input, scrub_file


def test_every_bad_line_is_reported_by_number_without_its_text(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "text": "ok"}\n'
        "not json 06 12 34 56 78\n"
        '{"id": 3}\n'
        '{"text": "no id"}\n'
        '["a list"]\n'
    )
    with pytest.raises(InvalidInput) as raised:
        read_scrub_input(source)
    problems = raised.value.problems
    assert [p.split(": ")[1] for p in problems] == ["line 2", "line 3", "line 4", "line 5"]
    assert not any("06 12" in p for p in problems)


def test_bad_input_writes_no_output(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1}\n')
    destination = tmp_path / "out.jsonl"
    with pytest.raises(InvalidInput):
        scrub_file(source, destination, "fr", processes=1)
    assert not destination.exists()
    assert list(tmp_path.iterdir()) == [source]


def test_output_rows_keep_ids_and_report_entities_against_the_input(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [
        {"id": "a", "text": "Mme Claire DUPONT, tél. 06 12 34 56 78."},
        {"id": 7, "text": "Maladie de Parkinson stable."},
    ]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    destination = tmp_path / "out.jsonl"
    summary = scrub_file(source, destination, "fr", processes=1)
    out = [json.loads(line) for line in destination.read_text().splitlines()]
    assert summary["rows"] == 2
    assert [r["id"] for r in out] == ["a", 7]
    assert "DUPONT" not in out[0]["text"] and "<PHONE_NUMBER>" in out[0]["text"]
    phone = next(e for e in out[0]["entities"] if e["type"] == "PHONE_NUMBER")
    assert rows[0]["text"][phone["start"] : phone["end"]] == "06 12 34 56 78"
    assert out[1]["text"] == "Maladie de Parkinson stable." and out[1]["entities"] == []
