"""The review screen: a FastAPI app that Airflow's API server mounts at `/sovex`
(`sovex.review.plugin`), behind Airflow's own login.

Pages (the login cookie, forms carry a CSRF token):
    GET  /                       the queue: requests awaiting review, then the others
    GET  /requests/{id}          one request: its content as submitted, the diff from the
                                 last approved version, hosting decision, consent regime,
                                 dry-run cohort counts, history; decision forms
    POST /requests/{id}/{action} approve (comment, conditions) · reject · withdraw · expire
    GET  /compliance             the compliance officer's register and access report
JSON API (a bearer token only, never the cookie; what `sovex request …` and
`sovex project …` call when SOVEX_API_URL is set):
    GET  /api/requests           every request's status
    POST /api/requests           submit a request file's content (file_name, content)
    POST /api/requests/{id}/{action}
    POST /api/projects/{name}/{action}   create · add-member · remove-member ·
                                 issue-credentials

The person is whoever Airflow's auth manager says the token names; every decision is the
store's, which refuses self-review and checks roles, so the page and the API refuse what
the CLI refuses. Audit records say `actor_auth: authenticated`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sovex.audit import ActorAuth, logged_in
from sovex.governance.review_rules import is_author
from sovex.governance.store import RequestStore
from sovex.governance.transitions import State
from sovex.model.errors import UserError
from sovex.model.settings import Settings
from sovex.project_changes import change_project
from sovex.review.actions import ACTIONS, http_status, perform, submit_content
from sovex.review.csrf import csrf_token, csrf_valid, key_path, load_or_create_key
from sovex.roles import UserRole, load_roles, roles_path

BEARER = "bearer"
COOKIE = "cookie"
# Headers of every page: no framing (clickjacking), nothing from other hosts.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
AWAITING = (State.SUBMITTED,)


@dataclass(frozen=True)
class Login:
    user: str
    via: str  # BEARER or COOKIE


# Who sent the request, from its token (None: nobody logged in).
Authenticator = Callable[[Request], Awaitable[Login | None]]

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("sovex", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _page(template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    html = _TEMPLATES.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def create_review_app(
    settings_of: Callable[[], Settings],
    authenticate: Authenticator,
    login_url: str = "/auth/login/",
    mount_path: str = "/sovex",
) -> FastAPI:
    """The app; `settings_of` is read at each request (the API server's environment)."""
    app = FastAPI(title="sovex review", docs_url=None, redoc_url=None, openapi_url=None)

    def store(settings: Settings) -> RequestStore:
        return RequestStore.for_settings(settings, actor_auth=ActorAuth.AUTHENTICATED)

    def roles_of(settings: Settings, user: str) -> frozenset[UserRole]:
        return load_roles(roles_path(settings.infra_dir)).of(user)

    async def page_login(request: Request) -> Login | Response:
        login = await authenticate(request)
        if login is None:
            path = request.url.path
            # Behind the API server's mount the path may or may not include the prefix.
            path = path if path.startswith(mount_path) else mount_path + path
            target = quote(path, safe="/")
            return RedirectResponse(f"{login_url}?next={target}", status_code=303)
        return login

    async def api_login(request: Request) -> Login | JSONResponse:
        login = await authenticate(request)
        if login is None or login.via != BEARER:
            return JSONResponse(
                {"error": "log in: a bearer token from the API server's /auth/token"},
                status_code=401,
            )
        return login

    def common(settings: Settings, login: Login) -> dict[str, Any]:
        return {
            "user": login.user,
            "roles": sorted(role.value for role in roles_of(settings, login.user)),
            "base": mount_path,
            "csrf": csrf_token(load_or_create_key(key_path(settings.state_dir)), login.user),
        }

    @app.get("/", response_class=HTMLResponse)
    async def queue(request: Request) -> Response:
        login = await page_login(request)
        if not isinstance(login, Login):
            return login
        settings = settings_of()
        statuses = await run_in_threadpool(store(settings).list_requests)
        awaiting = [s for s in statuses if s.state in AWAITING]
        others = [s for s in statuses if s.state not in AWAITING]
        return _page(
            "review_queue.html", awaiting=awaiting, others=others, **common(settings, login)
        )

    @app.get("/requests/{request_id}", response_class=HTMLResponse)
    async def detail(request: Request, request_id: str) -> Response:
        login = await page_login(request)
        if not isinstance(login, Login):
            return login
        # After a decision (`?done=1`) the page says what the history's last entry is; the
        # sentence is never taken from the URL, which anyone can write.
        return await _detail(settings_of(), login, request_id, "done" in request.query_params)

    async def _detail(
        settings: Settings,
        login: Login,
        request_id: str,
        done: bool,
        error: str | None = None,
        status_code: int = 200,
    ) -> Response:
        from sovex.review.facts import review_facts

        try:
            status = await run_in_threadpool(store(settings).get, request_id)
        except UserError as failure:
            return _page(
                "review_error.html",
                http_status(failure),
                error=str(failure),
                **common(settings, login),
            )
        facts = await run_in_threadpool(
            review_facts, settings, status, with_cohort=status.state in AWAITING
        )
        last = status.history[-1]
        message = (
            f"recorded: {last.operation.value} by {last.actor} ({status.state.value} now)"
            if done
            else None
        )
        return _page(
            "review_request.html",
            status_code,
            facts=facts,
            status=status,
            own=is_author(status, login.user),
            message=message,
            error=error,
            **common(settings, login),
        )

    @app.post("/requests/{request_id}/{action}", response_class=HTMLResponse)
    async def decide(request: Request, request_id: str, action: str) -> Response:
        login = await page_login(request)
        if not isinstance(login, Login):
            return login
        settings = settings_of()
        form = await request.form()
        fields = {name: value for name, value in form.items() if isinstance(value, str)}
        key = load_or_create_key(key_path(settings.state_dir))
        if not csrf_valid(key, login.user, fields.get("csrf")):
            return _page(
                "review_error.html",
                403,
                error="this form is not one this server gave you (CSRF check failed): "
                "reload the request's page and try again",
                **common(settings, login),
            )
        if action not in ACTIONS:
            return _page(
                "review_error.html", 404, error=f"no action {action!r}", **common(settings, login)
            )
        try:
            outcome = await run_in_threadpool(
                perform, store(settings), action, request_id, login.user, datetime.now(UTC), fields
            )
        except UserError as failure:
            return await _detail(
                settings, login, request_id, False, str(failure), http_status(failure)
            )
        return RedirectResponse(
            f"{mount_path}/requests/{quote(outcome.status.request_id)}?done=1", status_code=303
        )

    @app.get("/compliance", response_class=HTMLResponse)
    async def compliance(request: Request) -> Response:
        login = await page_login(request)
        if not isinstance(login, Login):
            return login
        settings = settings_of()
        if UserRole.COMPLIANCE not in roles_of(settings, login.user):
            return _page(
                "review_error.html",
                403,
                error=f"user {login.user} may not read the compliance view: that needs the "
                "compliance role",
                **common(settings, login),
            )
        from sovex.compliance_files import render_html
        from sovex.compliance_view import build_compliance_view

        view = await run_in_threadpool(build_compliance_view, settings, datetime.now(UTC))
        return HTMLResponse(render_html(view), headers=SECURITY_HEADERS)

    @app.get("/api/requests")
    async def api_list(request: Request) -> Response:
        login = await api_login(request)
        if not isinstance(login, Login):
            return login
        statuses = await run_in_threadpool(store(settings_of()).list_requests)
        return JSONResponse([s.to_json() for s in statuses])

    async def api_act(
        request: Request, act: Callable[[Settings, str, dict[str, Any]], Any]
    ) -> Response:
        """A JSON action as the person the bearer token names; every audit record it
        writes as them says `authenticated`. A refusal carries its exit code."""
        login = await api_login(request)
        if not isinstance(login, Login):
            return login
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body is a JSON object", "exit_code": 2}, 400)

        def as_person() -> Any:
            with logged_in(login.user):
                return act(settings_of(), login.user, body)

        try:
            return JSONResponse(await run_in_threadpool(as_person))
        except UserError as failure:
            return JSONResponse(
                {
                    "error": str(failure),
                    "kind": type(failure).__name__,
                    "exit_code": failure.exit_code,
                },
                status_code=http_status(failure),
            )

    def outcome_json(outcome: Any) -> dict[str, Any]:
        return {"message": outcome.message, "status": outcome.status.to_json()}

    @app.post("/api/requests")
    async def api_submit(request: Request) -> Response:
        return await api_act(
            request,
            lambda settings, user, body: outcome_json(
                submit_content(settings, store(settings), user, datetime.now(UTC), body)
            ),
        )

    @app.post("/api/requests/{request_id}/{action}")
    async def api_decide(request: Request, request_id: str, action: str) -> Response:
        return await api_act(
            request,
            lambda settings, user, body: outcome_json(
                perform(store(settings), action, request_id, user, datetime.now(UTC), body)
            ),
        )

    @app.post("/api/projects/{name}/{action}")
    async def api_project(request: Request, name: str, action: str) -> Response:
        def act(settings: Settings, user: str, body: dict[str, Any]) -> dict[str, Any]:
            change = change_project(settings, action, name, user, datetime.now(UTC), body)
            return {"lines": list(change.lines), "result": change.result}

        return await api_act(request, act)

    return app
