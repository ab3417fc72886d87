"""The deployment's settings from the environment (`sovex.model.settings`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovex.model.errors import ConfigurationError
from sovex.model.settings import settings_from_environ


def test_the_hosting_policy_parameters_are_deployment_settings(tmp_path: Path) -> None:
    state = {"SOVEX_STATE_DIR": str(tmp_path)}
    default = settings_from_environ(state)
    assert default.policy_params() == {"require_hds": False, "allow_eea_adequacy": False}
    strict = settings_from_environ({**state, "SOVEX_REQUIRE_HDS": "true"})
    assert strict.policy_params() == {"require_hds": True, "allow_eea_adequacy": False}
    # Handed to Airflow's tasks unchanged.
    assert settings_from_environ(strict.as_environ()).require_hds is True


@pytest.mark.parametrize("value", ["ture", "2", "on please"])
def test_a_policy_parameter_that_is_not_a_boolean_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigurationError, match="SOVEX_REQUIRE_HDS: true or false"):
        settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path), "SOVEX_REQUIRE_HDS": value})
