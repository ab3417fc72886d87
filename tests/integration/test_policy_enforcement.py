"""A refused hosting target gets no client and receives zero requests.

A counting HTTP server on 127.0.0.1 stands in for the storage endpoint: every request of
any method is counted. Refused targets point at it; after `publishing_client` the count
must still be zero.
"""

from __future__ import annotations

import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import sovex.storage_access as storage_client
from policies.evaluator import Decision, Reason
from sovex.model.errors import PolicyRefused
from sovex.model.settings import PROJECT_ROOT, Settings, settings_from_environ
from sovex.model.target import load_target

pytestmark = pytest.mark.integration

LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT_S = 5


@dataclass
class CountingServer:
    url: str
    requests: list[str] = field(default_factory=list)


def _handler(requests: list[str]) -> type[BaseHTTPRequestHandler]:
    class Counting(BaseHTTPRequestHandler):
        def _count(self) -> None:
            requests.append(f"{self.command} {self.path}")
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_OPTIONS = _count

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            return

    return Counting


@pytest.fixture
def counting_server() -> Iterator[CountingServer]:
    requests: list[str] = []
    server = ThreadingHTTPServer((LOOPBACK, 0), _handler(requests))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield CountingServer(f"http://{LOOPBACK}:{server.server_address[1]}", requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=REQUEST_TIMEOUT_S)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    infra = tmp_path / "infra"
    shutil.copytree(PROJECT_ROOT / "infra", infra)
    base = settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path / "state")})
    return replace(base, infra_dir=infra)


def write_target(settings: Settings, name: str, provider: str, region: str, country: str, url: str):
    (settings.targets_dir / f"{name}.yaml").write_text(
        f"name: {name}\nprovider: {provider}\nregion: {region}\ncountry: '{country}'\n"
        f"endpoint: {url}\nbucket: sovex-extracts\n"
        "credentials: {source: env, access_key_var: S3_ACCESS_KEY, secret_key_var: S3_SECRET_KEY}\n"
        "in_use: true\n",
        encoding="utf-8",
    )


def test_the_counting_server_counts_a_request(counting_server):
    # The control: were a client to talk to the endpoint, the count would show it.
    try:
        urllib.request.urlopen(counting_server.url + "/probe", timeout=REQUEST_TIMEOUT_S)
    except urllib.error.HTTPError as error:
        assert error.code == 403
    assert counting_server.requests == ["GET /probe"]


# (provider, region, country, a code the refusal must carry)
REFUSED_ON_THE_COUNTING_SERVER = {
    "us-operator-paris-region": ("aws", "eu-west-3", "FR", "OPERATOR_NON_EU_JURISDICTION"),
    "eu-provider-foreign-host": ("ovhcloud", "gra", "FR", "ENDPOINT_PROVIDER_MISMATCH"),
    "self-hosted-in-the-us": ("self-hosted", "dc1", "US", "COUNTRY_NOT_EU"),
    "self-hosted-in-norway": ("self-hosted", "oslo", "NO", "COUNTRY_NOT_EU"),
    "unknown-provider": ("acme-cloud", "par", "FR", "PROVIDER_UNKNOWN"),
}


@pytest.mark.parametrize(
    "provider, region, country, code",
    REFUSED_ON_THE_COUNTING_SERVER.values(),
    ids=REFUSED_ON_THE_COUNTING_SERVER.keys(),
)
def test_a_refused_target_causes_zero_requests_to_the_storage_endpoint(
    settings, counting_server, provider, region, country, code
):
    write_target(settings, "refused", provider, region, country, counting_server.url)
    with pytest.raises(PolicyRefused) as raised:
        storage_client.publishing_client(settings, "refused")
    assert raised.value.target == "refused"
    decision, _, _ = storage_client.decide_for_target(settings, "refused")
    assert code in {r.code for r in decision.reasons}
    assert counting_server.requests == []


def test_a_bundled_refused_target_gets_no_client(settings):
    with pytest.raises(PolicyRefused, match=r"Amazon\.com, Inc\."):
        storage_client.publishing_client(settings, "aws-eu-west-3-paris")


# ------------------------------------------------------- without network, unit-style --


def test_publishing_client_never_builds_a_client_for_a_refused_decision(settings, monkeypatch):
    built: list[str] = []
    refused = Decision(False, (Reason("OPERATOR_NON_EU_JURISDICTION", "refused"),), "0" * 64)
    target = load_target(settings.targets_dir / "ovhcloud-gra.yaml")
    monkeypatch.setattr(
        storage_client, "decide_for_target", lambda s, n: (refused, target, target.endpoint)
    )
    monkeypatch.setattr(storage_client, "_client_for", lambda s, t, u: built.append(t.name))
    with pytest.raises(PolicyRefused):
        storage_client.publishing_client(settings, "ovhcloud-gra")
    assert built == []


def test_publishing_client_builds_no_client_when_the_policy_cannot_be_evaluated(
    settings, monkeypatch
):
    built: list[str] = []
    monkeypatch.setattr(storage_client, "_client_for", lambda s, t, u: built.append(t.name))
    broken = settings.infra_dir.parent / "broken-policies"
    shutil.copytree(PROJECT_ROOT / "policies", broken)
    (broken / "hosting.rego").write_text("package sovex.hosting\nx if {\n", encoding="utf-8")
    real_evaluate = storage_client.evaluate_target
    monkeypatch.setattr(
        storage_client,
        "evaluate_target",
        lambda target, **kwargs: real_evaluate(target, policies_dir=broken, **kwargs),
    )
    with pytest.raises(PolicyRefused, match="could not be evaluated"):
        storage_client.publishing_client(settings, "ovhcloud-gra")
    assert built == []
