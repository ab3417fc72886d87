"""Malformed request files: for `request validate`, `request submit` and `run FILE`."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from sovex.model.settings import PROJECT_ROOT
from tests.malformed.case import (
    SECRET_MARKER,
    Case,
    big_file,
    case,
    directory,
    fifo,
    secret_file_link,
    symlink_to,
)

EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"


def example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def variant(**changes: Any) -> str:
    """The example request with fields replaced (None removes a field)."""
    request = copy.deepcopy(example())
    for key, value in changes.items():
        if value is None:
            request.pop(key, None)
        else:
            request[key] = value
    return yaml.safe_dump(request, sort_keys=False, allow_unicode=True)


def with_line(line: str) -> str:
    """The example request's text with one raw line appended (YAML safe_dump cannot write
    what the case needs: a duplicate key, an unquoted impossible date…)."""
    return EXAMPLE.read_text(encoding="utf-8") + line + "\n"


def replaced(old: str, new: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}]\n"
    for i in range(8)
)
DEEP_LISTS = "id: " + "[" * 10_000 + "]" * 10_000 + "\n"
DEEP_MAPPINGS = "id: " + "{a: " * 10_000 + "b" + "}" * 10_000 + "\n"


def cohort(column: str, op: str, *values: object, table: str = "diagnoses") -> str:
    return variant(cohort=[{"table": table, "column": column, "op": op, "values": list(values)}])


def request_contents() -> dict[str, Any]:
    """name → the content of a malformed request file (bytes, text or a maker)."""
    return {
        "empty": b"",
        "only-a-comment": "# nothing here\n",
        "a-list": "- id: x\n- id: y\n",
        "a-scalar": "just words\n",
        "binary-garbage": bytes(range(256)) * 4,
        "latin-1": variant(requester="Hélène Dupré").encode("latin-1"),
        "utf-16": variant().encode("utf-16"),
        "alias-bomb": ALIAS_BOMB,
        "deep-lists": DEEP_LISTS,
        "deep-mappings": DEEP_MAPPINGS,
        "impossible-date-feb-30": replaced("start: 2018-01-01", "start: 2026-02-30"),
        "impossible-month-13": replaced(
            "retention_until: 2028-12-31", "retention_until: 2028-13-01"
        ),
        "5000-digit-k": replaced("k_threshold: 5", "k_threshold: " + "9" * 5000),
        "5000-digit-float": replaced("max_suppression: 0.1", "max_suppression: 0." + "1" * 5000),
        "k-infinite": replaced("k_threshold: 5", "k_threshold: .inf"),
        "k-negative": replaced("k_threshold: 5", "k_threshold: -5"),
        "k-word": replaced("k_threshold: 5", "k_threshold: five"),
        "k-bool": replaced("k_threshold: 5", "k_threshold: true"),
        "k-one": replaced("k_threshold: 5", "k_threshold: 1"),
        "k-trillion": replaced("k_threshold: 5", "k_threshold: 1000000000000"),
        "max-suppression-above-cap": replaced("max_suppression: 0.1", "max_suppression: 0.5"),
        "max-suppression-nan": replaced("max_suppression: 0.1", "max_suppression: .nan"),
        "max-suppression-negative": replaced("max_suppression: 0.1", "max_suppression: -0.1"),
        "small-cells-off": replaced("small_cell_threshold: 10", "small_cell_threshold: 1"),
        "small-cells-huge": replaced(
            "small_cell_threshold: 10", "small_cell_threshold: 100000000000"
        ),
        "rounding-zero": with_line("small_cell_rounding: 0"),
        "duplicate-key": with_line("k_threshold: 2"),
        "unknown-field": with_line("sql: SELECT * FROM patients"),
        "missing-id": variant(id=None),
        "id-traversal": variant(id="../../../../pwned"),
        "id-shell": variant(id="$(touch pwned)"),
        "id-homoglyph": variant(id="diаbetes-t2"),  # a Cyrillic а
        "id-too-long": variant(id="a" * 200),
        "id-number": variant(id=12345),
        "id-date": replaced("id: diabetes-t2-2026", "id: 2026-01-01"),
        "id-null": replaced("id: diabetes-t2-2026", "id: ~"),
        "project-slash": variant(project="parcours/diabete"),
        "purpose-without-regime": variant(purpose="marketing"),
        "purpose-empty": variant(purpose=""),
        "source-unknown": variant(source="warehouse"),
        "source-traversal": variant(source="../../etc/passwd"),
        "target-unknown": variant(target="nowhere"),
        "target-traversal": variant(target="../../etc/passwd"),
        "target-refused": variant(target="aws-eu-west-3-paris"),
        "tables-empty": variant(tables={}),
        "tables-unknown": variant(tables={"billing": ["patient_id"]}),
        "tables-direct-identifier": variant(tables={"patients": ["patient_id", "nir"]}),
        "tables-column-twice": variant(tables={"patients": ["patient_id", "sex", "sex"]}),
        "tables-columns-a-string": variant(tables={"patients": "patient_id"}),
        "tables-column-a-mapping": variant(tables={"patients": ["patient_id", {"a": "b"}]}),
        "cohort-quoted-date": cohort("diagnosis_date", "gte", "2020-01-01"),
        "cohort-word-for-date": cohort("diagnosis_date", "gte", "yesterday"),
        "cohort-number-for-date": cohort("diagnosis_date", "lte", 20200101),
        "cohort-number-for-code": variant(
            cohort=[{"table": "diagnoses", "column": "icd10_code", "op": "eq", "values": [250]}]
        ),
        "cohort-prefix-on-date": variant(
            cohort=[
                {
                    "table": "diagnoses",
                    "column": "diagnosis_date",
                    "op": "starts_with",
                    "values": ["2020"],
                }
            ]
        ),
        "cohort-between-one-value": variant(
            cohort=[
                {
                    "table": "diagnoses",
                    "column": "diagnosis_date",
                    "op": "between",
                    "values": ["2020-01-01"],
                }
            ]
        ),
        "cohort-unknown-op": variant(
            cohort=[{"table": "diagnoses", "column": "icd10_code", "op": "like", "values": ["E%"]}]
        ),
        "cohort-on-identifier": variant(
            cohort=[{"table": "patients", "column": "nir", "op": "eq", "values": ["1"]}]
        ),
        "cohort-not-a-mapping": variant(cohort=["icd10_code = E11"]),
        "cohort-no-values": variant(
            cohort=[{"table": "diagnoses", "column": "icd10_code", "op": "in", "values": []}]
        ),
        "cohort-nested-values": variant(
            cohort=[
                {"table": "diagnoses", "column": "icd10_code", "op": "in", "values": [{"a": 1}]}
            ]
        ),
        "period-reversed": variant(period={"start": "2026-01-01", "end": "2018-01-01"}),
        "period-no-end": variant(period={"start": "2026-01-01"}),
        "retention-before-end": replaced(
            "retention_until: 2028-12-31", "retention_until: 2020-01-01"
        ),
        "schedule-bad-cron": variant(schedule="* * *"),
        "schedule-every-second": variant(schedule="* * * * * *"),
        "aggregate-by-unrequested": variant(
            aggregates=[{"name": "x", "table": "diagnoses", "by": ["unit"]}]
        ),
        "aggregate-twice": variant(
            aggregates=[
                {"name": "x", "table": "diagnoses", "by": ["icd10_code"]},
                {"name": "x", "table": "diagnoses", "by": ["icd10_code"]},
            ]
        ),
        "aggregate-by-text": variant(aggregates=[{"name": "x", "table": "notes", "by": ["text"]}]),
        "free-text-mode-unknown": variant(free_text_mode="plain"),
        "python-tag": "id: !!python/object/apply:os.system ['touch pwned']\n",
        "tab-indented": "id: x\ntables:\n\tpatients: [patient_id]\n",
        "multi-document": variant() + "---\n" + variant(),
        "complex-key": "? [a, b]\n: c\n" + variant(),
        "merge-key": "base: &b {k_threshold: 2}\n<<: *b\n" + variant(k_threshold=None),
        "ansi-escapes": variant(requester="\x1b[2J\x1b[31mroot"),
        "huge-requester": variant(requester="x" * 900_000),
        "over-one-mib": big_file(2 << 20, b"# padding padding padding\n"),
        "dev-zero": symlink_to("/dev/zero"),
        "fifo": fifo,
        "a-directory": directory,
        "shadow-symlink": secret_file_link,
        "secret-lines": "".join(f"password{i}: {SECRET_MARKER}\n" for i in range(3)),
    }


def request_cases() -> list[Case]:
    cases = []
    for name, content in request_contents().items():
        cases.append(
            case(
                f"request validate: {name}",
                "request",
                "validate",
                "{in}/request.yaml",
                files={"request.yaml": content},
                needs_source=True,
            )
        )
    for name in (
        "alias-bomb",
        "duplicate-key",
        "dev-zero",
        "id-traversal",
        "shadow-symlink",
        "cohort-quoted-date",
        "purpose-without-regime",
        "max-suppression-above-cap",
        "5000-digit-k",
        "deep-lists",
    ):
        cases.append(
            case(
                f"request submit: {name}",
                "request",
                "submit",
                "{in}/request.yaml",
                files={"request.yaml": request_contents()[name]},
                env={"SOVEX_USER": "claire.moreau@chu-exemple.fr"},
                needs_source=True,
            )
        )
    cases.append(
        case(
            "request validate: missing file",
            "request",
            "validate",
            "{in}/nowhere.yaml",
            message="No such file",
        )
    )
    return cases
