from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sovex.model.errors import InvalidInput
from sovex.model.request import load_request
from sovex.model.settings import PROJECT_ROOT

CATALOGS = PROJECT_ROOT / "infra" / "catalogs"
EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"


@pytest.fixture
def targets_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "targets"
    directory.mkdir()
    (directory / "local-seaweedfs.yaml").write_text("name: local-seaweedfs\n")
    return directory


def write_request(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(EXAMPLE.read_text())
    if "tables" in changes and "aggregates" not in changes:
        # The example's aggregates refer to its own tables.
        raw["aggregates"] = []
    for field, value in changes.items():
        if value is None:
            raw.pop(field, None)
        else:
            raw[field] = value
    path = tmp_path / "request.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def problems_of(path: Path, targets_dir: Path) -> list[str]:
    with pytest.raises(InvalidInput) as raised:
        load_request(path, CATALOGS, targets_dir)
    return raised.value.problems


def test_the_bundled_example_request_is_valid(targets_dir: Path) -> None:
    request = load_request(EXAMPLE, CATALOGS, targets_dir)
    assert request.project == "parcours-diabete"
    assert request.k_threshold == 5


def test_a_broken_request_lists_every_problem_with_file_and_field(
    tmp_path: Path, targets_dir: Path
) -> None:
    path = write_request(
        tmp_path,
        requester=None,
        period={"start": "2026-01-01", "end": "2025-01-01"},
        tables={"patients": ["patient_id", "nir"], "labs": ["x"]},
        target="nowhere",
    )
    problems = problems_of(path, targets_dir)
    assert all(problem.startswith(f"{path}: field '") for problem in problems)
    fields = " ".join(problems)
    for expected in (
        "'requester'",
        "'period'",
        "'tables.patients.nir'",
        "'tables.labs'",
        "'target'",
    ):
        assert expected in fields
    assert len(problems) == 5


def test_requesting_a_direct_identifier_is_invalid_and_names_the_role(
    tmp_path: Path, targets_dir: Path
) -> None:
    path = write_request(tmp_path, tables={"patients": ["patient_id", "email"]})
    [problem] = problems_of(path, targets_dir)
    assert "tables.patients.email" in problem and "direct_identifier" in problem


def test_an_unknown_column_lists_the_columns_the_researcher_may_request(
    tmp_path: Path, targets_dir: Path
) -> None:
    path = write_request(tmp_path, tables={"patients": ["patient_id", "weight"]})
    [problem] = problems_of(path, targets_dir)
    assert "patient_id, birth_date, sex, postcode" in problem


def test_free_text_can_be_requested_because_it_is_scrubbed(
    tmp_path: Path, targets_dir: Path
) -> None:
    path = write_request(tmp_path, tables={"notes": ["patient_id", "written_on", "text"]})
    assert load_request(path, CATALOGS, targets_dir).tables["notes"] == [
        "patient_id",
        "written_on",
        "text",
    ]


def test_cohort_filters_cannot_look_up_identifiers(tmp_path: Path, targets_dir: Path) -> None:
    path = write_request(
        tmp_path,
        cohort=[{"table": "patients", "column": "last_name", "op": "eq", "values": ["X"]}],
    )
    [problem] = problems_of(path, targets_dir)
    assert "cohort.0.column" in problem and "direct_identifier" in problem


def test_k_threshold_below_two_is_refused(tmp_path: Path, targets_dir: Path) -> None:
    [problem] = problems_of(write_request(tmp_path, k_threshold=1), targets_dir)
    assert "'k_threshold'" in problem


def test_request_hash_changes_with_content_only(tmp_path: Path, targets_dir: Path) -> None:
    original = load_request(EXAMPLE, CATALOGS, targets_dir)
    same = load_request(write_request(tmp_path), CATALOGS, targets_dir)
    other = load_request(write_request(tmp_path, k_threshold=10), CATALOGS, targets_dir)
    assert original.sha256() == same.sha256() != other.sha256()


def test_cohort_hash_names_who_is_selected_not_what_is_published(
    tmp_path: Path, targets_dir: Path
) -> None:
    # Extracts of one cohort are assessed together by the release gate, whatever their
    # tables or period; another filter or purpose is another cohort.
    original = load_request(EXAMPLE, CATALOGS, targets_dir)
    raw = yaml.safe_load(EXAMPLE.read_text())
    later = load_request(
        write_request(
            tmp_path,
            period={"start": "2024-01-01", "end": "2024-06-30"},
            tables={"patients": ["patient_id", "sex"]},
        ),
        CATALOGS,
        targets_dir,
    )
    narrower = load_request(
        write_request(tmp_path, cohort=[*raw["cohort"][:1], dict(raw["cohort"][0], op="in")]),
        CATALOGS,
        targets_dir,
    )
    other_purpose = load_request(write_request(tmp_path, purpose="other"), CATALOGS, targets_dir)
    assert original.cohort_sha256() == later.cohort_sha256()
    assert original.sha256() != later.sha256()
    assert narrower.cohort_sha256() != original.cohort_sha256()
    assert other_purpose.cohort_sha256() != original.cohort_sha256()


def test_unreadable_yaml_is_reported_not_raised(tmp_path: Path, targets_dir: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n")
    [problem] = problems_of(path, targets_dir)
    assert str(path) in problem


def test_aggregates_must_count_patients_from_requested_columns(
    tmp_path: Path, targets_dir: Path
) -> None:
    path = write_request(
        tmp_path,
        tables={"diagnoses": ["icd10_code", "diagnosis_date"]},
        aggregates=[
            {"name": "by-code", "table": "diagnoses", "by": ["icd10_code", "encounter_id"]},
            {"name": "by-code", "table": "measurements", "by": ["code"]},
        ],
    )
    problems = " ".join(problems_of(path, targets_dir))
    assert "aggregates.0.table" in problems and "'patient_id'" in problems
    assert "aggregates.0.by" in problems and "encounter_id" in problems
    assert "aggregates.1.name" in problems
    assert "aggregates.1.table" in problems


def test_small_cell_threshold_has_a_floor_of_five(tmp_path: Path, targets_dir: Path) -> None:
    problems = problems_of(write_request(tmp_path, small_cell_threshold=1), targets_dir)
    assert any("small_cell_threshold" in p and "5" in p for p in problems)
    load_request(write_request(tmp_path, small_cell_threshold=5), CATALOGS, targets_dir)


def test_event_suppression_is_capped_like_patient_suppression(
    tmp_path: Path, targets_dir: Path
) -> None:
    problems = problems_of(write_request(tmp_path, max_event_suppression=0.5), targets_dir)
    assert any("max_event_suppression" in p for p in problems)


def test_a_duplicate_key_is_refused_not_silently_overwritten(
    tmp_path: Path, targets_dir: Path
) -> None:
    # A reviewer reads the first k_threshold; a plain YAML loader would keep the last, 2.
    path = tmp_path / "twice.yaml"
    text = EXAMPLE.read_text()
    path.write_text(text + "\nk_threshold: 10\nk_threshold: 2\n")
    [problem] = problems_of(path, targets_dir)
    assert "duplicate key 'k_threshold'" in problem


def test_a_request_that_is_not_utf8_names_the_byte_not_a_traceback(
    tmp_path: Path, targets_dir: Path
) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(EXAMPLE.read_bytes() + "\n# médecin\n".encode("latin-1"))
    [problem] = problems_of(path, targets_dir)
    assert "not UTF-8 text" in problem


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path, targets_dir: Path) -> None:
    # Nine levels of nine aliases would expand to 9^9 items: never expanded at all.
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    [problem] = problems_of(path, targets_dir)
    assert "more than 20 aliases (*name) are not accepted" in problem


def test_a_device_or_an_oversized_file_is_refused_before_reading_it(
    tmp_path: Path, targets_dir: Path
) -> None:
    [problem] = problems_of(Path("/dev/zero"), targets_dir)
    assert problem == "/dev/zero: not a regular file (a request or target file is expected)"
    huge = tmp_path / "huge.yaml"
    huge.write_text("# " + "x" * (2 << 20) + "\n")
    [problem] = problems_of(huge, targets_dir)
    assert "more than a request or target file may hold" in problem


def test_a_file_that_is_not_a_request_is_not_echoed_back(tmp_path: Path, targets_dir: Path) -> None:
    # A symlink to a secret file: its "keys" must not come back as unknown fields.
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$s3cr3t$hash: x\nalice:$6$an0ther$hash: y\n")
    link = tmp_path / "request.yaml"
    link.symlink_to(secret)
    problems = problems_of(link, targets_dir)
    assert problems
    assert not any("s3cr3t" in problem or "an0ther" in problem for problem in problems)
