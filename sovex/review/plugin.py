"""The Airflow plugin that mounts the review screen on Airflow's API server at `/sovex`,
behind the same login as Airflow's UI (registered by the `airflow.plugins` entry point in
pyproject.toml).

Airflow does not authenticate plugin apps: `airflow_login` does, with the JWT that
Airflow's login put in the `_token` cookie, or a bearer token from `/auth/token` (the
CLI), checked by the configured auth manager (FAB: users with hashed passwords in the
metadata database, `sovex users sync`).
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.plugins_manager import AirflowPlugin
from fastapi import Request

from sovex import run_note_listener
from sovex.model.settings import task_settings
from sovex.review.app import BEARER, COOKIE, Login, create_review_app

MOUNT_PATH = "/sovex"
# The cookie Airflow 3's login sets (airflow.api_fastapi.auth.managers.base_auth_manager).
TOKEN_COOKIE = "_token"

log = logging.getLogger(__name__)


async def airflow_login(request: Request) -> Login | None:
    """The logged-in person, from a bearer token or the login cookie; None when neither
    holds a valid token."""
    from airflow.api_fastapi.app import get_auth_manager

    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        token, via = header[7:].strip(), BEARER
    else:
        token, via = request.cookies.get(TOKEN_COOKIE, ""), COOKIE
    if not token:
        return None
    try:
        user = await get_auth_manager().get_user_from_token(token)
    except Exception as error:  # an invalid or expired token: not logged in
        log.info("sovex review: token refused (%s)", type(error).__name__)
        return None
    name = user.get_name()
    return Login(name, via) if name else None


class SovexReviewPlugin(AirflowPlugin):
    name = "sovex_review"
    fastapi_apps: list[Any] = [  # noqa: RUF012 (AirflowPlugin's own attribute)
        {
            "app": create_review_app(task_settings, airflow_login, mount_path=MOUNT_PATH),
            "url_prefix": MOUNT_PATH,
            "name": "sovex review",
        }
    ]
    # Writes every extract run's note when the run ends (scheduler, UI or `sovex run`).
    listeners: list[Any] = [run_note_listener]  # noqa: RUF012
    # A link in Airflow's navigation to the review queue.
    external_views: list[Any] = [  # noqa: RUF012
        {"name": "Review requests", "href": "sovex/", "destination": "nav", "url_route": None}
    ]
