from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sovex.model.errors import InvalidInput
from sovex.project_access import (
    CREDENTIALS_FORMAT,
    bucket_policy,
    identity_name,
    read_credentials,
    seaweedfs_actions,
)
from transforms.publish import retention_deadline


def test_seaweedfs_actions_list_the_prefix_and_read_published_extracts_only() -> None:
    # An extract still uploading (or left by a failed publish) has no manifest: not read.
    assert seaweedfs_actions("sovex-extracts", "projet-a", ["x-20261101T000000Z"]) == [
        "List:sovex-extracts/extracts/projet-a/*",
        "Read:sovex-extracts/extracts/projet-a/x-20261101T000000Z/*",
    ]
    assert seaweedfs_actions("sovex-extracts", "projet-a", []) == [
        "List:sovex-extracts/extracts/projet-a/*"
    ]


def test_the_bucket_policy_grants_the_same_scope_and_nothing_that_writes() -> None:
    policy = bucket_policy(
        "bucket",
        "projet-a",
        "arn:aws:iam::123456789012:user/projet-a",
        ["e2-20261102T000000Z", "e1"],
    )
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    actions = {action for s in allows for action in s["Action"]}
    assert actions == {"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"}
    read = next(s for s in allows if "s3:GetObject" in s["Action"])
    assert read["Resource"] == [
        "arn:aws:s3:::bucket/extracts/projet-a/e1/*",
        "arn:aws:s3:::bucket/extracts/projet-a/e2-20261102T000000Z/*",
    ]
    listing = next(s for s in allows if "s3:ListBucket" in s["Action"])
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["extracts/projet-a/*"]}}
    assert all(
        s["Principal"] == {"AWS": ["arn:aws:iam::123456789012:user/projet-a"]} for s in allows
    )
    deny = next(s for s in policy["Statement"] if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize("extract_id", ["*", "a/b", "../x", "", "e1*"])
def test_an_extract_id_that_could_widen_the_scope_is_refused(extract_id: str) -> None:
    with pytest.raises(InvalidInput, match="extract id"):
        seaweedfs_actions("bucket", "projet-a", [extract_id])


@pytest.mark.parametrize("project", ["../b", "Projet", "a/b", "", "a*"])
def test_a_project_name_that_could_widen_the_scope_is_refused(project: str) -> None:
    with pytest.raises(InvalidInput, match="project"):
        seaweedfs_actions("bucket", project, [])
    with pytest.raises(InvalidInput):
        identity_name(project)


def test_credentials_of_another_project_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(
        json.dumps(
            {"format": CREDENTIALS_FORMAT, "project": "b", "access_key": "K", "secret_key": "S"}
        )
    )
    assert read_credentials(path, "b").access_key == "K"
    with pytest.raises(InvalidInput, match=r"b\.json: field 'project' is not 'a'"):
        read_credentials(path, "a")


def test_a_broken_credentials_file_names_the_file_and_fields_but_not_the_secret(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"format": CREDENTIALS_FORMAT, "project": "a", "secret_key": "S3"}))
    with pytest.raises(InvalidInput) as raised:
        read_credentials(path, "a")
    assert "access_key" in str(raised.value) and "S3" not in str(raised.value).replace(
        str(path), ""
    )
    with pytest.raises(InvalidInput, match="no credentials file"):
        read_credentials(tmp_path / "missing.json", "a")


def test_an_extract_stays_locked_through_its_whole_retention_date() -> None:
    assert retention_deadline(date(2028, 12, 31)) == datetime(2029, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "principal", ["*", "arn:aws:iam::*:root", "arn:aws:iam::123456789012:user/*", "projet-a"]
)
def test_a_bucket_policy_for_anyone_but_one_identity_is_refused(principal: str) -> None:
    with pytest.raises(InvalidInput, match="never a wildcard"):
        bucket_policy("bucket", "projet-a", principal, ["e1"])
