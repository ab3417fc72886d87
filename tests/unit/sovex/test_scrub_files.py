from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovex.model.errors import InvalidInput
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


def test_when_the_input_has_no_row_then_it_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n  \n")
    with pytest.raises(InvalidInput, match="no row"):
        read_scrub_input(source)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + b'{"id": 1, "text": "Vu ce jour."}\n')
    assert read_scrub_input(source) == [(1, "Vu ce jour.")]


def test_a_line_that_is_not_utf8_is_named_by_its_number(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "caf\xe9"}\n')
    with pytest.raises(InvalidInput) as raised:
        read_scrub_input(source)
    assert raised.value.problems == [f"{source}: line 2: not UTF-8 text"]


def test_a_failed_run_removes_the_earlier_output(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1}\n')
    destination = tmp_path / "out.jsonl"
    destination.write_text('{"id": 0, "text": "an earlier run", "entities": []}\n')
    with pytest.raises(InvalidInput):
        scrub_file(source, destination, "fr", processes=1)
    assert not destination.exists()


def test_an_output_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "ok"}\n')
    with pytest.raises(InvalidInput, match="is a folder"):
        scrub_file(source, tmp_path, "fr", processes=1)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', "line 2: field 'id' repeats"),
        ('{"id": 1, "text": "a", "text": "b"}\n', "line 1: field 'text' appears twice"),
        ('{"id": 1, "text": "Mme \\ud800 Durand"}\n', "line 1: field 'text' holds half a UTF-16"),
        ('{"id": "\\udc00", "text": "x"}\n', "line 1: field 'id' holds half a UTF-16"),
    ],
)
def test_an_ambiguous_row_or_a_string_that_is_no_text_is_refused_by_line(
    tmp_path: Path, content: str, problem: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(content)
    with pytest.raises(InvalidInput) as raised:
        read_scrub_input(source)
    assert any(problem in p for p in raised.value.problems)
    assert not any("Durand" in p for p in raised.value.problems)
