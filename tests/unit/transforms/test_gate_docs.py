"""Data Docs of the release gate: real GX, one site built per module (GX starts in seconds)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from anonymization.nir import format_nir
from sovex.model.errors import InvalidInput
from transforms import offline_html
from transforms.gate_docs import _scrub_exception_info, write_data_docs
from transforms.offline_html import ExternalUrlFound, external_urls

NIR = format_nir("2540775123456")
PSEUDONYMS = ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"]


def _diagnoses() -> pa.Table:
    """A pseudonymised table whose free-text note leaks a NIR on one row of two."""
    return pa.table(
        {
            "person_id": pa.array(PSEUDONYMS),
            "icd10_code": pa.array(["E11.9", "I10"]),
            "note": pa.array([f"patient NIR {NIR} vu le 2024-03-01", "RAS"]),
        }
    )


def _patients() -> pa.Table:
    return pa.table(
        {
            "person_id": pa.array(PSEUDONYMS),
            "birth_year_band": pa.array(["1950-1954", "1980-1984"]).dictionary_encode(),
        }
    )


def _visits() -> pa.Table:
    return pa.table({"person_id": pa.array(PSEUDONYMS), "visit_month": ["2024-01", "2024-02"]})


TABLES = [
    ("diagnoses", _diagnoses(), ["person_id", "icd10_code", "note"], ["person_id"]),
    ("patients", _patients(), ["person_id", "birth_year_band"], ["person_id"]),
    ("visits", _visits(), ["person_id", "visit_month"], ["person_id"]),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out_dir = tmp_path_factory.mktemp("extract") / "data_docs"
    return out_dir, write_data_docs(TABLES, out_dir)


def _text(page: Path) -> str:
    """Visible text of a page: scripts and tags removed, entities decoded, spaces collapsed."""
    source = page.read_text(encoding="utf-8")
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", source)))


def _validation_page(out_dir: Path, table: str) -> Path:
    pages = list((out_dir / "validations" / f"sovex_release_gate_{table}").rglob("*.html"))
    assert len(pages) == 1, pages
    return pages[0]


def test_the_site_is_built_in_out_dir_and_its_index_names_every_table(
    site: tuple[Path, Path],
) -> None:
    out_dir, index = site

    assert index == out_dir / "index.html"
    assert index.is_file()
    text = index.read_text(encoding="utf-8")
    for table, *_ in TABLES:
        assert table in text
        assert _validation_page(out_dir, table).is_file()


def test_no_file_of_the_site_contains_the_planted_nir(site: tuple[Path, Path]) -> None:
    out_dir, _ = site
    needles = [NIR.encode(), html.escape(NIR).encode(), " ".join(NIR).encode()]

    files = [path for path in out_dir.rglob("*") if path.is_file()]
    assert files
    leaking = [path for path in files if any(needle in path.read_bytes() for needle in needles)]
    assert leaking == []


def test_the_nir_failure_is_visible_as_a_count_on_the_table_page(
    site: tuple[Path, Path],
) -> None:
    out_dir, _ = site

    diagnoses = _text(_validation_page(out_dir, "diagnoses"))
    assert "Status: Failed" in diagnoses
    assert "Unsuccessful Expectations 1" in diagnoses
    assert "1 unexpected values found. 50% of 2 total rows." in diagnoses
    for clean in ("patients", "visits"):
        assert "Status: Succeeded" in _text(_validation_page(out_dir, clean))


def _index_rows(index: Path) -> list[dict[str, str]]:
    """The index's validation-results table as written in the page: one dict per row,
    keyed by column title, each cell's visible text, and its link under "link"."""
    source = index.read_text(encoding="utf-8")
    table = re.search(r"<table[^>]*ge-index-page-validation-results-table.*?</table>", source, re.S)
    assert table, "the index has no validation-results table"
    titles = re.findall(r"<th>(.*?)</th>", table.group(0))

    def text(cell: str) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())

    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(0).split("<tbody>")[1], re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        link = re.search(r'<a href="([^"]+)"', cells[0])
        rows.append({**dict(zip(titles, map(text, cells), strict=True)), "link": link and link[1]})
    return rows


def test_the_index_marks_the_leaking_table_as_failed_and_links_each_result(
    site: tuple[Path, Path],
) -> None:
    out_dir, index = site

    rows = _index_rows(index)

    # The index table is written as plain HTML (no script fills it): status as text.
    statuses = {row["Asset Name"]: row["Status"] for row in rows}
    assert statuses == {"diagnoses": "Failed", "patients": "Success", "visits": "Success"}
    for row in rows:
        page = out_dir / row["link"]
        assert page == _validation_page(out_dir, row["Asset Name"])


def test_no_file_of_the_site_names_an_http_url(site: tuple[Path, Path]) -> None:
    out_dir, _ = site

    pages = sorted(out_dir.rglob("*.html"))
    # index, one validation page and one expectation-suite page per table
    assert len(pages) == 1 + 2 * len(TABLES)
    assert [p for p in pages if external_urls(p.read_text(encoding="utf-8"))] == []
    # Stricter than the check the build runs: not even as text, in any page or stylesheet.
    texts = sorted([*pages, *out_dir.rglob("*.css")])
    assert [p for p in texts if re.search(rb"https?://", p.read_bytes(), re.I)] == []
    assert not [p for p in pages if b"<script" in p.read_bytes()]


def test_a_page_left_naming_a_cdn_fails_the_build_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if GX's next release added an asset the rewrite does not know: pages kept as GX
    # wrote them, CDN links included.
    monkeypatch.setattr(offline_html, "offline_page", lambda page, root, name: page)
    out_dir = tmp_path / "data_docs"

    with pytest.raises(ExternalUrlFound) as raised:
        write_data_docs(TABLES[:1], out_dir)

    assert "index.html" in raised.value.pages
    assert any("cdn.jsdelivr.net" in url for url in raised.value.pages["index.html"])
    assert not out_dir.exists()
    assert list(tmp_path.iterdir()) == []


def test_out_dir_must_be_empty_and_table_names_unique(tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "old.html").write_text("old")
    with pytest.raises(InvalidInput, match="must not exist or be an empty directory"):
        write_data_docs(TABLES[:1], busy)

    with pytest.raises(InvalidInput, match="listed more than once"):
        write_data_docs([TABLES[2], TABLES[2]], tmp_path / "twice")

    with pytest.raises(InvalidInput, match="table name"):
        write_data_docs([("../escape", *TABLES[2][1:])], tmp_path / "escape")
    assert not (tmp_path / "twice").exists()
    assert not (tmp_path / "escape").exists()


def test_no_page_shows_the_data_fingerprint(site: tuple[Path, Path]) -> None:
    out_dir, _ = site

    assert not [path for path in out_dir.rglob("*.html") if b"fingerprint" in path.read_bytes()]


@pytest.mark.parametrize(
    "info",
    [
        {
            "raised_exception": True,
            "exception_message": f"bad value {NIR}",
            "exception_traceback": f"Traceback ... {NIR}",
        },
        {
            "column_values.match_regex": {
                "raised_exception": True,
                "exception_message": f"bad value {NIR}",
                "exception_traceback": f"Traceback ... {NIR}",
            }
        },
    ],
)
def test_gx_exception_texts_are_withheld_but_the_error_is_kept(info: dict[str, Any]) -> None:
    scrubbed = _scrub_exception_info(info)

    assert NIR not in repr(scrubbed)
    flat = scrubbed.get("column_values.match_regex", scrubbed)
    assert flat["raised_exception"] is True
    assert "withheld" in flat["exception_message"]
    assert flat["exception_traceback"] is None
