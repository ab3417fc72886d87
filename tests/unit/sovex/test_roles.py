from __future__ import annotations

from pathlib import Path

import pytest

from sovex.model.errors import EXIT_INVALID_INPUT, ConfigurationError, InvalidInput, exit_code_for
from sovex.model.settings import PROJECT_ROOT
from sovex.roles import (
    PermissionRefused,
    Refusal,
    Roles,
    UserRole,
    load_roles,
    require_role,
    roles_path,
)

CLAIRE = "claire.moreau@chu-exemple.fr"
PAUL = "paul.bernard@chu-exemple.fr"
EXAMPLE_REQUESTER = CLAIRE  # examples/requests/diabetes-t2.yaml


def write_roles(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roles.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def roles(tmp_path: Path) -> Roles:
    return load_roles(
        write_roles(
            tmp_path,
            f"users:\n  {CLAIRE}: [requester]\n  {PAUL}: [steward]\n"
            "  nadia@chu-exemple.fr: [compliance, requester]\n",
        )
    )


def test_the_repository_roles_file_has_a_requester_a_steward_compliance_and_admin() -> None:
    roles = load_roles(roles_path(PROJECT_ROOT / "infra"))
    assert roles.of(EXAMPLE_REQUESTER) == {UserRole.REQUESTER}
    assert roles.of(PAUL) == {UserRole.STEWARD}
    assert roles.of("admin") == {UserRole.STEWARD}  # the Airflow UI's default user
    assert any(UserRole.COMPLIANCE in held for held in roles.users.values())


def test_a_user_without_the_role_is_refused_with_the_role_needed_and_the_roles_held(
    roles: Roles,
) -> None:
    with pytest.raises(PermissionRefused) as refused:
        require_role(roles, CLAIRE, UserRole.STEWARD, "approve requests")
    assert str(refused.value) == (
        f"user {CLAIRE} may not approve requests: that needs the steward role; "
        f"{CLAIRE} has: requester"
    )
    assert refused.value.refusal is Refusal.MISSING_ROLE
    assert exit_code_for(refused.value) == EXIT_INVALID_INPUT


def test_any_one_of_several_roles_is_enough(roles: Roles) -> None:
    require_role(roles, "nadia@chu-exemple.fr", {UserRole.STEWARD, UserRole.COMPLIANCE}, "reject")
    with pytest.raises(PermissionRefused, match="needs the compliance or steward roles"):
        require_role(roles, CLAIRE, {UserRole.STEWARD, UserRole.COMPLIANCE}, "reject requests")


def test_identities_compare_case_insensitively(roles: Roles) -> None:
    require_role(roles, "Paul.Bernard@CHU-exemple.fr", UserRole.STEWARD, "approve requests")


def test_an_unlisted_user_is_told_to_check_sovex_user(roles: Roles) -> None:
    with pytest.raises(PermissionRefused) as refused:
        require_role(roles, "mallory@example.com", UserRole.STEWARD, "approve requests")
    assert refused.value.refusal is Refusal.NOT_LISTED
    assert "not listed in" in str(refused.value) and "SOVEX_USER" in str(refused.value)
    assert str(roles.path) in str(refused.value)


def test_nobody_acts_without_saying_who_they_are(roles: Roles) -> None:
    # "unknown" is what Settings.user holds when SOVEX_USER is not set.
    with pytest.raises(PermissionRefused, match="set SOVEX_USER"):
        require_role(roles, "unknown", UserRole.REQUESTER, "submit requests")


def test_a_broken_roles_file_lists_every_problem_with_file_and_field(tmp_path: Path) -> None:
    path = write_roles(
        tmp_path,
        "owners: [me]\n"
        "users:\n"
        "  a@x.fr: [approver]\n"
        "  b@x.fr: []\n"
        "  sovex: [steward]\n"
        "  c@x.fr: [steward]\n"
        "  C@X.fr: [requester]\n"
        "  d@x.fr: [steward, steward]\n"
        "  true: [steward]\n",
    )
    with pytest.raises(InvalidInput) as invalid:
        load_roles(path)
    problems = invalid.value.problems
    assert all(problem.startswith(f"{path}: field '") for problem in problems)
    text = "\n".join(problems)
    assert "field 'owners': unknown field; allowed: users" in text
    assert "field 'users.a@x.fr': unknown role 'approver'; allowed: requester, steward, " in text
    assert "field 'users.b@x.fr': list at least one role" in text
    assert "field 'users.sovex': 'sovex' is reserved" in text
    assert "field 'users.C@X.fr': the same identity is listed twice" in text
    assert "field 'users.d@x.fr': role 'steward' is listed twice" in text
    assert "field 'users.True': an identity must be text; quote it" in text
    assert len(problems) == 7


def test_a_missing_roles_file_says_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"no roles file.*create it"):
        load_roles(tmp_path / "roles.yaml")


def test_a_roles_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="must be a YAML mapping with 'users'"):
        load_roles(write_roles(tmp_path, "- steward\n"))
