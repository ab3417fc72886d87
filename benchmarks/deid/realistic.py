"""The hand-written evaluation corpus: realistic clinical documents with inline gold spans.

Documents live in `benchmarks/deid/realistic/<lang>/*.txt`, one per file, written by hand
in the genres clinicians really produce (letters, discharge and operative reports, nursing
transmissions, text messages, flattened tables, prescriptions, radiology reports…),
independently of every generator the scrubber or its model is tuned or trained on. The
annotation guide is `benchmarks/deid/realistic/README.md`.

Markup, removed to give the plain text whose offsets the spans index:
- `[[value|TYPE]]`: an identifier that must be redacted (TYPE from `GOLD_TYPES`);
- `{{words}}`: medical vocabulary that must be kept (eponyms, scores, brand names…).

`check_document` is the programmatic review of a document's gold spans: an annotated
value that appears elsewhere in the same document without annotation, an e-mail, URL,
phone or NIR-shaped string left unannotated, or broken markup is an error; shapes that
usually are identifiers (dates, numbers after a title) are warnings for a human to read.

The split is fixed by the file name's hash (about half test), so nobody chooses which
document lands where: tuning reads `dev` only, the figures are reported on `test`.

    python -m benchmarks.deid.realistic check [FILES…]   # errors exit 1
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.deid.corpus import LabelledNote, Span

CORPUS_DIR = Path(__file__).with_name("realistic")
LANGUAGES = ("fr", "en")
SPLITS = ("dev", "test")
# The first hex digit of sha256(file name) decides the split: 0-7 test, 8-f dev.
TEST_DIGITS = frozenset("01234567")

PERSON = "PERSON"
DATE = "DATE"  # a calendar date with its day ("12/03/2024", "le 3/1", "RDV du 19")
DATE_PARTIAL = "DATE_PARTIAL"  # month and year, a named month, a birth year
AGE = "AGE"  # an age of 90 or more
PHONE = "PHONE"
EMAIL = "EMAIL"
URL = "URL"
NIR = "NIR"  # French social security number (NIR/INS)
ID = "ID"  # any other identifying number or code
ADDRESS = "ADDRESS"  # street address (not the town or postcode)
LOCATION = "LOCATION"  # town, village, district, postcode, birthplace (below a département)
HOSPITAL = "HOSPITAL"  # a named care establishment
ORGANIZATION = "ORGANIZATION"  # employer, school, company, association
GOLD_TYPES = (
    PERSON, DATE, DATE_PARTIAL, AGE, PHONE, EMAIL, URL, NIR, ID, ADDRESS, LOCATION, HOSPITAL,
    ORGANIZATION,
)  # fmt: skip
# The acceptance's "personal identifiers": names, ids, contacts, dates with a day.
PERSONAL_TYPES = frozenset({PERSON, NIR, ID, PHONE, EMAIL, URL, DATE})
PLACE_TYPES = frozenset({HOSPITAL, LOCATION})
KEEP = "MEDICAL"

_MARKUP = re.compile(r"\[\[(?P<value>.*?)\|(?P<type>[A-Z_]+)\]\]|\{\{(?P<keep>.*?)\}\}", re.DOTALL)
_STRAY = re.compile(r"\[\[|\]\]|\{\{|\}\}")
_EDGE_TRIM = " \t\n,;:()\"'«»"
# Values whose every occurrence must be annotated (words this short are too ambiguous).
CONSISTENT_TYPES = frozenset(
    {PERSON, PHONE, EMAIL, URL, NIR, ID, LOCATION, HOSPITAL, ORGANIZATION, ADDRESS}
)
MIN_CONSISTENT_WORD = 3

# Shapes that are always identifiers: an unannotated match is an error.
_ALWAYS_IDENTIFIERS = {
    "e-mail": re.compile(
        r"[\w.+-]+(?:@|\(at\)|\[at\]| at )[A-Za-z][\w-]*(?:\.|\(dot\)| dot )[A-Za-z]\w*"
    ),
    "URL": re.compile(r"(?i)\bhttps?://\S+|\bwww\.\S+"),
    "phone": re.compile(r"(?<![\w/])(?:\+\d{1,3}[ .]?(?:\(0\)[ .]?)?|0)\d(?:[ .-]?\d{2}){4}(?!\w)"),
    "NIR": re.compile(
        r"(?<!\d)[12][ .]?\d{2}[ .]?\d{2}[ .]?(?:\d{2}|2[AB])\d?[ .]?\d{3}[ .]?\d{3}"
    ),
}
# Shapes that usually are identifiers: an unannotated match is a warning to read.
_USUALLY_IDENTIFIERS = {
    "date": re.compile(r"(?<![\w/.])(?:0?[1-9]|[12]\d|3[01])[/.-](?:0?[1-9]|1[0-2])(?![\d])"),
    "month": re.compile(
        r"(?i)\b(?:janvier|février|fevrier|avril|juin|juillet|août|aout|septembre|octobre"
        r"|novembre|décembre|decembre|january|february|april|june|july|august|september"
        r"|october|november|december)\b"
    ),
    "long number": re.compile(r"(?<![\w.,])\d{5,}(?![\w.,])"),
    "name after a title": re.compile(
        r"\b(?:Dr|Pr|Mme|Mlle|Mr|Mrs|Ms|Miss|M\.)\.?[ \t]+[A-ZÀ-Þ][\w'’-]+"
    ),
    "age of 90 or more": re.compile(r"(?<!\d)(?:9\d|1[01]\d)[ -]?(?:ans|years?|yo|y/o|-year)"),
}


@dataclass(frozen=True, slots=True)
class Document:
    name: str  # file name without its suffix
    language: str
    split: str
    text: str  # plain text, markup removed
    entities: tuple[Span, ...]
    keeps: tuple[Span, ...]

    def as_note(self) -> LabelledNote:
        return LabelledNote(self.name, self.text, self.entities, self.keeps, self.name)


@dataclass(frozen=True, slots=True)
class Problem:
    document: str
    severity: str  # "error" or "warning"
    message: str


class MarkupError(ValueError):
    """A document whose markup cannot be parsed (names the file and the position)."""


def split_of(name: str) -> str:
    return "test" if hashlib.sha256(name.encode()).hexdigest()[0] in TEST_DIGITS else "dev"


def parse(markup: str, name: str = "<text>") -> tuple[str, tuple[Span, ...], tuple[Span, ...]]:
    """Plain text, gold spans and keep spans of one document's markup."""
    pieces: list[str] = []
    entities: list[Span] = []
    keeps: list[Span] = []
    length = 0
    position = 0
    for match in _MARKUP.finditer(markup):
        before = markup[position : match.start()]
        if _STRAY.search(before):
            raise MarkupError(f"{name}: unbalanced markup near offset {position}")
        pieces.append(before)
        length += len(before)
        if match.group("keep") is not None:
            value, kind = match.group("keep"), KEEP
        else:
            value, kind = match.group("value"), match.group("type")
            if kind not in GOLD_TYPES:
                raise MarkupError(f"{name}: unknown type {kind!r} at offset {match.start()}")
        if not value.strip() or _STRAY.search(value) or ("|" in value and kind != KEEP):
            raise MarkupError(f"{name}: empty or nested span at offset {match.start()}")
        if value != value.strip():
            raise MarkupError(f"{name}: span with spaces at its edges at offset {match.start()}")
        span = Span(length, length + len(value), kind)
        (keeps if kind == KEEP else entities).append(span)
        pieces.append(value)
        length += len(value)
        position = match.end()
    rest = markup[position:]
    if _STRAY.search(rest):
        raise MarkupError(f"{name}: unbalanced markup near offset {position}")
    pieces.append(rest)
    return "".join(pieces), tuple(entities), tuple(keeps)


def load_document(path: Path) -> Document:
    language = path.parent.name
    text, entities, keeps = parse(path.read_text(encoding="utf-8"), str(path))
    return Document(path.stem, language, split_of(path.stem), text, entities, keeps)


def document_paths(language: str) -> list[Path]:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; provided {language!r}")
    return sorted((CORPUS_DIR / language).glob("*.txt"))


def load_corpus(language: str, split: str | None = None) -> list[Document]:
    """Every document of a language, or of one split of it, in file-name order."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}; provided {split!r}")
    documents = [load_document(path) for path in document_paths(language)]
    return [d for d in documents if split is None or d.split == split]


def _covered(spans: Iterable[Span], length: int) -> list[bool]:
    covered = [False] * length
    for span in spans:
        for position in range(span.start, span.end):
            covered[position] = True
    return covered


def _whole_word(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(value)}(?![\w])", re.IGNORECASE)


def check_document(document: Document) -> list[Problem]:
    """The programmatic review of one document's gold spans."""
    problems: list[Problem] = []
    text = document.text
    annotated = _covered([*document.entities, *document.keeps], len(text))

    def report(severity: str, start: int, end: int, what: str) -> None:
        line = text.count("\n", 0, start) + 1
        context = text[max(0, start - 25) : end + 25].replace("\n", " ")
        problems.append(Problem(document.name, severity, f"line {line}: {what}: …{context}…"))

    def unannotated(start: int, end: int) -> bool:
        return not any(annotated[start:end])

    for span in document.entities:
        value = text[span.start : span.end]
        balanced = value.count("(") == value.count(")")
        if value.strip(_EDGE_TRIM) != value and not (balanced and "(" in value):
            report("error", span.start, span.end, f"{span.type} span has punctuation at its edge")
        if span.type not in CONSISTENT_TYPES:
            continue
        words = [value] if span.type != PERSON else re.findall(r"[\w'’-]+", value)
        for word in words:
            if len(word.strip("'’-")) < MIN_CONSISTENT_WORD:
                continue
            for match in _whole_word(word).finditer(text):
                if unannotated(*match.span()):
                    report(
                        "error",
                        *match.span(),
                        f"{span.type} value {word!r} also appears unannotated",
                    )
    for label, pattern in _ALWAYS_IDENTIFIERS.items():
        for match in pattern.finditer(text):
            if unannotated(*match.span()):
                report("error", *match.span(), f"unannotated {label}")
    for label, pattern in _USUALLY_IDENTIFIERS.items():
        for match in pattern.finditer(text):
            if unannotated(*match.span()):
                report("warning", *match.span(), f"unannotated {label}?")
    if not document.entities:
        problems.append(Problem(document.name, "error", "no gold span at all"))
    if not document.keeps:
        problems.append(Problem(document.name, "warning", "no {{medical}} span"))
    return problems


def check_paths(paths: Sequence[Path]) -> list[Problem]:
    problems: list[Problem] = []
    for path in paths:
        try:
            problems += check_document(load_document(path))
        except MarkupError as error:
            problems.append(Problem(path.stem, "error", str(error)))
    return problems


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] != "check":
        print("usage: python -m benchmarks.deid.realistic check [FILES…]", file=sys.stderr)
        return 2
    paths = [Path(arg) for arg in argv[1:]] or [
        path for language in LANGUAGES for path in document_paths(language)
    ]
    problems = check_paths(paths)
    for problem in problems:
        print(f"{problem.severity}: {problem.document}: {problem.message}")
    errors = sum(problem.severity == "error" for problem in problems)
    print(f"{len(paths)} documents, {errors} errors, {len(problems) - errors} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
