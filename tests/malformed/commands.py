"""Malformed ids, paths and files for every other command that takes one."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from sovex.model.settings import PROJECT_ROOT
from tests.malformed.case import (
    SECRET_MARKER,
    Case,
    FileMaker,
    big_file,
    case,
    directory,
    fifo,
    secret_file_link,
    symlink_to,
)
from tests.malformed.requests import ALIAS_BOMB, EXAMPLE, variant

CLAIRE = {"SOVEX_USER": "claire.moreau@chu-exemple.fr"}
PAUL = {"SOVEX_USER": "paul.bernard@chu-exemple.fr"}
SUBMIT = ("request", "submit", "{in}/request.yaml")
APPROVE = ("request", "approve", "diabetes-t2-2026")
# Setup steps acting as a given person.
# The steward registers the example's project and names its requester on it.
REGISTERED = (
    (
        "as:paul.bernard@chu-exemple.fr",
        "project",
        "create",
        "parcours-diabete",
        "--description",
        "type 2 diabetes pathways",
    ),
    (
        "as:paul.bernard@chu-exemple.fr",
        "project",
        "add-member",
        "parcours-diabete",
        "claire.moreau@chu-exemple.fr",
        "--role",
        "researcher",
    ),
)
SUBMITTED = ("as:claire.moreau@chu-exemple.fr", *SUBMIT)
APPROVED = ("as:paul.bernard@chu-exemple.fr", *APPROVE)
BAD_IDS = {
    "traversal": "../../../../pwned",
    "absolute": "/etc/passwd",
    "shell": "$(touch pwned)",
    "homoglyph": "diаbetes-t2-2026",
    "empty": "",
    "too-long": "a" * 300,
    "unknown": "no-such-request",
    "newline": "a\nb",
    "nul-like": "a%00b",
}


def governance_cases() -> list[Case]:
    cases = []
    for name, bad in BAD_IDS.items():
        cases.append(case(f"request approve: id {name}", "request", "approve", bad, env=PAUL))
        cases.append(case(f"request status: id {name}", "request", "status", bad))
        cases.append(case(f"run: id {name}", "run", bad))
    for name in ("traversal", "shell", "unknown"):
        cases.append(
            case(
                f"request reject: id {name}",
                "request",
                "reject",
                BAD_IDS[name],
                "--reason",
                "no",
                env=PAUL,
            )
        )
    for name, bad in BAD_IDS.items():
        cases.append(case(f"request withdraw: id {name}", "request", "withdraw", bad, env=PAUL))
    cases += [
        case(
            "request approve: a condition with escape sequences",
            "request",
            "approve",
            "diabetes-t2-2026",
            "--condition",
            "\x1b[2J\x1b[31mnone",
            env=PAUL,
            message="control characters",
        ),
        case(
            "request approve: a review server that is not http(s)",
            "request",
            "approve",
            "diabetes-t2-2026",
            env={**PAUL, "SOVEX_API_URL": "ftp://127.0.0.1/", "SOVEX_PASSWORD_FILE": "/dev/null"},
            message="SOVEX_API_URL",
        ),
        case(
            "request approve: a review server without a password file",
            "request",
            "approve",
            "diabetes-t2-2026",
            env={**PAUL, "SOVEX_API_URL": "http://127.0.0.1:9/"},
            message="SOVEX_PASSWORD_FILE",
        ),
    ]
    submitted = {"request.yaml": EXAMPLE.read_bytes()}
    cases += [
        case(
            "request reject: escape sequences in the reason",
            "request",
            "reject",
            "diabetes-t2-2026",
            "--reason",
            "\x1b[2J\x1b[31mapproved",
            files=submitted,
            setup=[*REGISTERED, SUBMITTED],
            env=PAUL,
            needs_source=True,
        ),
        case(
            "request reject: a 100,000-character reason",
            "request",
            "reject",
            "diabetes-t2-2026",
            "--reason",
            "x" * 100_000,
            files=submitted,
            setup=[*REGISTERED, SUBMITTED],
            env=PAUL,
            needs_source=True,
        ),
        case(
            "request approve: own request",
            *APPROVE,
            files=submitted,
            setup=[*REGISTERED, SUBMITTED],
            env=CLAIRE,
            needs_source=True,
        ),
        case(
            "request approve: not a steward",
            *APPROVE,
            files=submitted,
            setup=[*REGISTERED, SUBMITTED],
            env={"SOVEX_USER": "nadia.haddad@chu-exemple.fr"},
            needs_source=True,
        ),
        case(
            "request submit: twice is idempotent",
            *SUBMIT,
            files=submitted,
            setup=[*REGISTERED, SUBMITTED],
            env=CLAIRE,
            exit=0,
            needs_source=True,
        ),
        case(
            "request submit: unknown person",
            *SUBMIT,
            files=submitted,
            env={"SOVEX_USER": "mallory"},
            needs_source=True,
        ),
        case(
            "run: submitted, not approved",
            "run",
            "diabetes-t2-2026",
            files=submitted,
            setup=[*REGISTERED, SUBMITTED],
            env=CLAIRE,
            needs_source=True,
        ),
        case(
            "run: a file never submitted",
            "run",
            "{in}/request.yaml",
            files=submitted,
            needs_source=True,
        ),
        case(
            "run: the approved file changed since",
            "run",
            "{in}/request.yaml",
            files=submitted,
            setup=[
                *REGISTERED,
                SUBMITTED,
                APPROVED,
                ("write:request.yaml", variant(k_threshold=2)),
            ],
            needs_source=True,
        ),
        case(
            "run: the approved file moved away",
            "run",
            "diabetes-t2-2026",
            files=submitted,
            setup=[*REGISTERED, SUBMITTED, APPROVED, ("move:request.yaml",)],
            needs_source=True,
            message="is gone",
        ),
        case("run: no argument", "run"),
    ]
    return cases


TARGET = (
    "name: t\nprovider: ovhcloud\nregion: gra\ncountry: FR\n"
    "endpoint: https://s3.gra.io.cloud.ovh.net\nbucket: sovex-extracts\n"
    "credentials: {source: env, access_key_var: OVH_A, secret_key_var: OVH_S}\n"
)
# What the policy refuses (exit 3) rather than the file's form (exit 2).
REFUSED_TARGET_FILES = {"unknown-provider"}
TARGET_FILES = {
    "empty": b"",
    "a-list": "- name: t\n",
    "binary": bytes(range(256)),
    "alias-bomb": ALIAS_BOMB,
    "deep-nesting": "name: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "5000-digit": TARGET + "in_use: " + "7" * 5000 + "\n",
    "impossible-date": TARGET + "reviewed: 2026-02-30\n",
    "duplicate-key": TARGET + "bucket: other-bucket\n",
    "unknown-provider": TARGET.replace("ovhcloud", "acme-unknown"),
    "secret-inline": TARGET + "secret_key: " + SECRET_MARKER + "\n",
    "credentials-in-url": TARGET.replace("https://", f"https://a:{SECRET_MARKER}@"),
    "access-key-as-var": TARGET.replace("OVH_A", "AKIAABCDEFGHIJKLMNOP"),
    "bad-country": TARGET.replace("country: FR", "country: France"),
    "eu-abbreviation": TARGET.replace("country: FR", "country: EL"),
    "bad-bucket": TARGET.replace("sovex-extracts", "Sovex_Extracts"),
    "ftp-endpoint": TARGET.replace("https://", "ftp://"),
    "endpoint-query": TARGET.replace("ovh.net", "ovh.net/?x=1"),
    "over-one-mib": "# padding padding padding\n" * 90_000,
    "dev-zero": symlink_to("/dev/zero"),
    "fifo": fifo,
    "a-directory": directory,
    "shadow-symlink": secret_file_link,
    "non-utf8": TARGET.encode("utf-16"),
    "python-tag": "name: !!python/object/apply:os.system ['touch pwned']\n",
}
# Hosts that look allowed but are not: each must be refused (exit 3), never allowed.
LOOKALIKE_HOSTS = {
    "trailing-dot": "https://S3.EU-WEST-3.AMAZONAWS.COM.",
    "decimal-ip": "https://3405803786",
    "hex-ip": "https://0xcaf1a00a",
    "octal-ip": "https://0312.0361.0240.012",
    "fullwidth-dot": "https://s3.eu-west-3.amazonaws．com",
    "upper-case-azure": "https://SOVEX.BLOB.CORE.WINDOWS.NET.",
}


def policy_cases() -> list[Case]:
    cases = [
        case(
            f"policy check: {name}",
            "policy",
            "check",
            "{in}/t.yaml",
            files={"t.yaml": body},
            exit=3 if name in REFUSED_TARGET_FILES else 2,
        )
        for name, body in TARGET_FILES.items()
    ]
    for name, url in LOOKALIKE_HOSTS.items():
        body = (
            "name: t\nprovider: self-hosted\nregion: paris\ncountry: FR\n"
            f"endpoint: {url}\nbucket: sovex-extracts\n"
            "credentials: {source: env, access_key_var: A, secret_key_var: B}\n"
        )
        cases.append(
            case(
                f"policy check: lookalike {name}",
                "policy",
                "check",
                "{in}/t.yaml",
                files={"t.yaml": body},
                exit=(2, 3),
            )
        )
    cases += [
        case("policy check: missing file", "policy", "check", "{in}/none.yaml"),
        case(
            "policy report: --out is a file",
            "policy",
            "report",
            "--out",
            "{in}/f",
            files={"f": "x"},
        ),
        case(
            "policy report: --out under a file",
            "policy",
            "report",
            "--out",
            "{in}/f/sub",
            files={"f": "x"},
        ),
        case(
            "policy report: --out on a device",
            "policy",
            "report",
            "--out",
            "{in}/full",
            files={"full": symlink_to("/dev/full")},
        ),
    ]
    return cases


def scrub_cases() -> list[Case]:
    def scrub(
        name: str,
        content: FileMaker | None,
        *extra: str,
        out: str = "{in}/out.jsonl",
        lang: str = "fr",
    ) -> Case:
        files = {} if content is None else {"in.jsonl": content}
        return case(
            f"scrub: {name}",
            "scrub",
            "--lang",
            lang,
            "--in",
            "{in}/in.jsonl",
            "--out",
            out,
            *extra,
            files=files,
        )

    ok_line = json.dumps({"id": 1, "text": "Mme Durand"}) + "\n"
    return [
        scrub("empty input", b""),
        scrub("only blank lines", b"\n\n\n"),
        scrub("non-UTF-8 line", ok_line.encode() + b'{"id": 2, "text": "\xe9t\xe9"}\n'),
        scrub("not JSON", "Mme Durand, née le 3/1/1950\n"),
        scrub("a JSON list", "[1, 2]\n"),
        scrub("text missing", '{"id": 1}\n'),
        scrub("text not a string", '{"id": 1, "text": 5}\n'),
        scrub("id a mapping", '{"id": {"a": 1}, "text": "x"}\n'),
        scrub("id a bool", '{"id": true, "text": "x"}\n'),
        scrub("id repeated", ok_line + ok_line),
        scrub("field named twice", '{"id": 1, "text": "x", "text": "y"}\n'),
        scrub("half a UTF-16 pair in the text", '{"id": 1, "text": "Mme \\ud800 Durand"}\n'),
        scrub(
            "deeply nested line",
            '{"id": 1, "text": "x", "n": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
        ),
        scrub("5000-digit id", '{"id": ' + "9" * 5000 + ', "text": "x"}\n'),
        scrub("20 MB note", json.dumps({"id": 1, "text": "a" * (20 << 20)})),
        scrub("a 200 MB line", big_file(200 << 20, b"x" * 4096)),
        scrub("input missing", None),
        scrub("input is /dev/zero", symlink_to("/dev/zero")),
        scrub("input is a FIFO", fifo),
        scrub("input is a folder", directory),
        scrub("secret file as input", secret_file_link),
        scrub("--out is a folder", ok_line, out="{in}"),
        scrub("--out in a missing folder", ok_line, out="{in}/missing/out.jsonl"),
        scrub("--out equals --in", ok_line, out="{in}/in.jsonl"),
        # Through a link: were the output renamed over it, only the link would be replaced.
        case(
            "scrub: --out on a device",
            "scrub",
            "--lang",
            "fr",
            "--in",
            "{in}/in.jsonl",
            "--out",
            "{in}/full",
            files={"in.jsonl": ok_line, "full": symlink_to("/dev/full")},
        ),
        scrub("--lang unknown", ok_line, lang="de"),
        scrub("--processes 0", ok_line, "--processes", "0"),
    ]


def _gz(data: bytes) -> bytes:
    return gzip.compress(data)


def consent_cases() -> list[Case]:
    def sync(name: str, files: dict, exit: int | tuple[int, ...] = 2) -> Case:
        return case(
            f"consent sync: {name}",
            "consent",
            "sync",
            "--inbox",
            "{in}/inbox",
            files={"inbox": directory, **{f"inbox/{k}": v for k, v in files.items()}},
            exit=exit,
        )

    deep = '{"resourceType": "Consent", "id": "c1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
    return [
        case("consent sync: inbox missing", "consent", "sync", "--inbox", "{in}/none"),
        case(
            "consent sync: inbox is a file",
            "consent",
            "sync",
            "--inbox",
            "{in}/f",
            files={"f": "x"},
        ),
        sync("non-gzip .ndjson.gz", {"a.ndjson.gz": b'{"resourceType": "Consent"}\n'}),
        sync("truncated .ndjson.gz", {"a.ndjson.gz": _gz(b'{"a": 1}\n' * 1000)[:-6]}),
        sync("gzip bomb", {"a.ndjson.gz": _gz(b"\n" * (200 << 20))}),
        sync("one deeply nested line is a reject", {"a.ndjson": deep}, exit=0),
        sync("not JSON lines are rejects", {"a.ndjson": "not json\n[1]\n"}, exit=0),
        sync("a 200 MB line is a reject", {"a.ndjson": big_file(200 << 20, b"x" * 4096)}, exit=0),
        sync("a 200 MB Bundle", {"a.json": big_file(200 << 20, b" " * 4096)}),
        sync("non-UTF-8 line is a reject", {"a.ndjson": b'{"a": "\xe9"}\n'}, exit=0),
        sync("Bundle not JSON", {"a.json": "{not json"}),
        sync("Bundle is a list", {"a.json": "[]"}),
        sync("Bundle deeply nested", {"a.json": "[" * 100_000 + "]" * 100_000}),
        sync(
            "Bundle with a 5000-digit number",
            {"a.json": '{"resourceType": "Bundle", "total": ' + "9" * 5000 + "}"},
        ),
        sync("a FIFO named .ndjson", {"a.ndjson": fifo}, exit=(0, 2)),
        sync("/dev/zero named .ndjson", {"a.ndjson": symlink_to("/dev/zero")}, exit=(0, 2)),
        sync("a folder named .json", {"a.json": directory}, exit=(0, 2)),
    ]


AUDIT_LINE = '{"seq": 1, "actor": "x"}\n'


def audit_cases() -> list[Case]:
    def verify(name: str, content: FileMaker, exit: int | tuple[int, ...] = (2, 5)) -> Case:
        return case(
            f"audit verify: {name}",
            "audit",
            "verify",
            "--log",
            "{in}/audit.jsonl",
            files={"audit.jsonl": content},
            exit=exit,
        )

    return [
        case("audit verify: missing log", "audit", "verify", "--log", "{in}/none.jsonl"),
        # An empty log is intact (0 records): anchors catch a log cut to nothing.
        verify("empty", b"", exit=0),
        verify("garbage", bytes(range(256))),
        verify("not JSON", "hello\n"),
        verify("truncated record", AUDIT_LINE[:10]),
        verify("non-UTF-8", b'{"actor": "\xe9"}\n'),
        verify("deeply nested record", "[" * 100_000 + "]" * 100_000 + "\n"),
        verify("5000-digit seq", '{"seq": ' + "9" * 5000 + "}\n"),
        verify("a 200 MB line", big_file(200 << 20, b"x" * 4096)),
        verify("a folder", directory),
        verify("/dev/zero", symlink_to("/dev/zero")),
        verify("a FIFO", fifo),
        verify("secret file", secret_file_link),
        case(
            "audit verify: --public-key missing",
            "audit",
            "verify",
            "--log",
            "{in}/audit.jsonl",
            "--public-key",
            "{in}/none.pem",
            files={"audit.jsonl": AUDIT_LINE},
            exit=(2, 5),
        ),
        case(
            "audit verify: --public-key garbage",
            "audit",
            "verify",
            "--log",
            "{in}/audit.jsonl",
            "--public-key",
            "{in}/k.pem",
            files={"audit.jsonl": AUDIT_LINE, "k.pem": "-----BEGIN PUBLIC KEY-----\nxx\n"},
            exit=(2, 5),
        ),
        case(
            "audit verify: --public-key /dev/zero",
            "audit",
            "verify",
            "--log",
            "{in}/audit.jsonl",
            "--public-key",
            "{in}/k.pem",
            files={"audit.jsonl": AUDIT_LINE, "k.pem": symlink_to("/dev/zero")},
            exit=(2, 5),
        ),
        case(
            "audit show: garbage",
            "audit",
            "show",
            "--log",
            "{in}/a.jsonl",
            files={"a.jsonl": bytes(range(256))},
            exit=(2, 5),
        ),
        case(
            "audit show: deeply nested",
            "audit",
            "show",
            "--log",
            "{in}/a.jsonl",
            files={"a.jsonl": "[" * 100_000 + "]" * 100_000 + "\n"},
            exit=(2, 5),
        ),
        case(
            "audit show: /dev/zero",
            "audit",
            "show",
            "--log",
            "{in}/a.jsonl",
            files={"a.jsonl": symlink_to("/dev/zero")},
            exit=(2, 5),
        ),
        case(
            "audit show: --since without zone",
            "audit",
            "show",
            "--log",
            "{in}/a.jsonl",
            "--since",
            "2026-01-01",
            files={"a.jsonl": AUDIT_LINE},
        ),
        case("audit keygen: inside the state folder", "audit", "keygen", "{state}/k.key"),
        case("audit keygen: under a file", "audit", "keygen", "{in}/f/k.key", files={"f": "x"}),
        case("audit keygen: onto a folder", "audit", "keygen", "{in}/d", files={"d": directory}),
        case(
            "audit keygen: over an existing file",
            "audit",
            "keygen",
            "{in}/k.key",
            files={"k.key": "keep me"},
        ),
    ]


def storage_cases() -> list[Case]:
    """Commands reaching the store, with bad ids and targets (the store is not running)."""
    cases = []
    for name, bad in (("traversal", "../../x"), ("shell", "$(id)"), ("unknown", "nowhere")):
        cases += [
            case(f"extract list: target {name}", "extract", "list", "--target", bad),
            case(f"retention sweep: target {name}", "retention", "sweep", "--target", bad),
            case(f"access grant: target {name}", "access", "grant", "p1", "--target", bad),
            case(f"audit anchor: target {name}", "audit", "anchor", "--target", bad),
        ]
    for name, bad in (("traversal", "../../x"), ("shell", "$(id)"), ("upper", "P1"), ("empty", "")):
        cases += [
            case(
                f"extract download: project {name}", "extract", "download", "e1", "--project", bad
            ),
            # Extract ids may hold capitals; a well-formed one is refused too, before its
            # publication record is looked up: nobody is a member of the unregistered p1.
            case(
                f"extract download: id {name}",
                "extract",
                "download",
                bad,
                "--project",
                "p1",
                message="not registered" if name == "upper" else None,
            ),
            case(f"access grant: project {name}", "access", "grant", bad),
            case(f"access revoke: project {name}", "access", "revoke", bad),
        ]
    cases += [
        case("access policy: principal *", "access", "policy", "p1", "--principal", "*"),
        case(
            "access policy: wildcard ARN",
            "access",
            "policy",
            "p1",
            "--principal",
            "arn:aws:iam::*:root",
        ),
        case("access policy: not an ARN", "access", "policy", "p1", "--principal", "bob"),
        case(
            "extract download: --to is a file",
            "extract",
            "download",
            "e1",
            "--project",
            "p1",
            "--to",
            "{in}/f",
            files={"f": "x"},
        ),
        case(
            "extract download: credentials garbage",
            "extract",
            "download",
            "e1",
            "--project",
            "p1",
            "--credentials",
            "{in}/c.json",
            files={"c.json": bytes(range(256))},
            exit=(2, 5),
        ),
        case(
            "extract download: credentials /dev/zero",
            "extract",
            "download",
            "e1",
            "--project",
            "p1",
            "--credentials",
            "{in}/c.json",
            files={"c.json": symlink_to("/dev/zero")},
            exit=(2, 5),
        ),
        case("extract list: store not running", "extract", "list", message="not running"),
    ]
    return cases


def other_cases() -> list[Case]:
    return [
        case("synth: --patients 0", "synth", "--patients", "0"),
        case(
            "synth: --patients a trillion",
            "synth",
            "--patients",
            "1000000000000",
            "--out",
            "{in}/s",
        ),
        case(
            "synth: --out is a file",
            "synth",
            "--patients",
            "10",
            "--out",
            "{in}/f",
            files={"f": "x"},
        ),
        case("source load-postgres: not a URL", "source", "load-postgres", "hello"),
        case(
            "source load-postgres: password in URL",
            "source",
            "load-postgres",
            f"postgresql://u:{SECRET_MARKER}@127.0.0.1:1/db",
        ),
        case(
            "source load-postgres: nobody listening",
            "source",
            "load-postgres",
            "postgresql://u@127.0.0.1:1/db",
            needs_source=True,
        ),
        case("source check: no source", "source", "check"),
        case(
            "source check: nobody listening",
            "source",
            "check",
            env={"SOVEX_SOURCE_URL": "postgresql://u@127.0.0.1:1/db"},
        ),
        case(
            "settings: state folder is a file",
            "request",
            "list",
            env={"SOVEX_STATE_DIR": "{in}/f"},
            files={"f": "x"},
        ),
        case(
            "settings: partition rows not a number",
            "request",
            "list",
            env={"SOVEX_PARTITION_ROWS": "many"},
        ),
        case("settings: require HDS maybe", "request", "list", env={"SOVEX_REQUIRE_HDS": "maybe"}),
        case(
            "settings: master key not hex",
            "run",
            "nothing",
            env={"SOVEX_MASTER_KEY": SECRET_MARKER},
        ),
        case("an unknown command", "frobnicate"),
    ]


def infra_with(relative: str, content: str) -> FileMaker:
    """A copy of the project's infra folder with one steward file replaced."""

    def make(path: Path) -> None:
        shutil.copytree(PROJECT_ROOT / "infra", path, ignore=shutil.ignore_patterns("deploy"))
        (path / relative).write_text(content, encoding="utf-8")

    return make


def steward_file_cases() -> list[Case]:
    """The steward's own files (SOVEX_INFRA_DIR) broken the same ways."""
    broken = {
        "catalog nested 10,000 deep": ("catalogs/synthetic.yaml", "a: " + "[" * 10_000),
        "catalog with an alias bomb": ("catalogs/synthetic.yaml", ALIAS_BOMB),
        "roles with an impossible date": ("roles.yaml", "users: {a: 2026-02-30}\n"),
        "regimes with a 5000-digit number": ("consent/regimes.yaml", "regimes: " + "9" * 5000),
        "purpose requirements loosening HDS": (
            "hosting/purpose-requirements.yaml",
            "purposes: {chronic-disease-research: {require_hds: false}}\n",
        ),
    }
    return [
        case(
            f"request submit: {name}",
            *SUBMIT,
            files={"request.yaml": EXAMPLE.read_bytes(), "infra": infra_with(*where)},
            env={**CLAIRE, "SOVEX_INFRA_DIR": "{in}/infra"},
            needs_source=True,
        )
        for name, where in broken.items()
    ]


def project_cases() -> list[Case]:
    """`sovex project …` and the membership rules of requests and downloads."""
    cases = []
    for name, bad in BAD_IDS.items():
        if name == "unknown":  # a well-formed name: it would be created
            continue
        cases.append(
            case(
                f"project create: name {name}",
                "project",
                "create",
                bad,
                "--description",
                "x",
                env=PAUL,
            )
        )
        cases.append(case(f"project show: name {name}", "project", "show", bad))
    for name in ("traversal", "shell", "empty", "newline", "too-long"):
        cases.append(
            case(
                f"project add-member: person {name}",
                "project",
                "add-member",
                "parcours-diabete",
                BAD_IDS[name],
                setup=REGISTERED,
                env=PAUL,
            )
        )
    submitted = {"request.yaml": EXAMPLE.read_bytes()}
    cases += [
        case(
            "project create: by a requester",
            "project",
            "create",
            "p",
            "--description",
            "x",
            env=CLAIRE,
            message="steward",
        ),
        case("project create: nobody", "project", "create", "p", "--description", "x"),
        case(
            "project create: a description with escape sequences and lines",
            "project",
            "create",
            "p",
            "--description",
            "\x1b[2J\nsecond line",
            env=PAUL,
        ),
        case(
            "project create: twice",
            "project",
            "create",
            "parcours-diabete",
            "--description",
            "again",
            setup=REGISTERED,
            env=PAUL,
            message="already registered",
        ),
        case(
            "project add-member: unknown role",
            "project",
            "add-member",
            "parcours-diabete",
            "lea.roux@chu-exemple.fr",
            "--role",
            "owner",
            setup=REGISTERED,
            env=PAUL,
            message="--role",
        ),
        case(
            "project add-member: unknown project",
            "project",
            "add-member",
            "no-such-project",
            "lea.roux@chu-exemple.fr",
            env=PAUL,
            message="not registered",
        ),
        case(
            "project remove-member: not a member",
            "project",
            "remove-member",
            "parcours-diabete",
            "lea.roux@chu-exemple.fr",
            setup=REGISTERED,
            env=PAUL,
            message="not a member",
        ),
        case(
            "project add-member: by the requester themself",
            "project",
            "add-member",
            "parcours-diabete",
            "claire.moreau@chu-exemple.fr",
            setup=REGISTERED,
            env=CLAIRE,
        ),
        case(
            "project file: not JSON",
            "project",
            "show",
            "parcours-diabete",
            setup=[*REGISTERED, ("write:../state/projects/parcours-diabete.json", "{not json")],
        ),
        case(
            "request submit: project not registered",
            *SUBMIT,
            files=submitted,
            env=CLAIRE,
            needs_source=True,
            message="not registered",
        ),
        case(
            "request submit: requester not a member",
            *SUBMIT,
            files=submitted,
            setup=REGISTERED[:1],
            env=CLAIRE,
            needs_source=True,
            message="not a member",
        ),
        case(
            "extract download: not a member",
            "extract",
            "download",
            "e-1",
            "--project",
            "parcours-diabete",
            setup=REGISTERED,
            env={"SOVEX_USER": "nadia.haddad@chu-exemple.fr"},
            message="not a member",
        ),
        case(
            "extract download: a member without a credential",
            "extract",
            "download",
            "e-1",
            "--project",
            "parcours-diabete",
            setup=REGISTERED,
            env=CLAIRE,
        ),
        case(
            "extract download: a credential file that is not JSON",
            "extract",
            "download",
            "e-1",
            "--project",
            "parcours-diabete",
            "--credentials",
            "{in}/c.json",
            files={"c.json": f"{{{SECRET_MARKER}"},
            setup=REGISTERED,
            env=CLAIRE,
        ),
        case(
            "project sweep-credentials: project name traversal",
            "project",
            "sweep-credentials",
            "--project",
            "../x",
        ),
    ]
    return cases


def command_cases() -> list[Case]:
    return (
        governance_cases()
        + project_cases()
        + policy_cases()
        + scrub_cases()
        + consent_cases()
        + audit_cases()
        + storage_cases()
        + other_cases()
        + steward_file_cases()
    )
