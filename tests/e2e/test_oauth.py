"""Many workspaces from one deployment: Slack's install flow, a token per workspace, no data crossing."""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from handlers.oauth import SCOPES, installation_store
from storage.models.slack import slack_bots, slack_installations

from ..harness import BOT_TOKEN, SECRET_KEY, RunningApp
from ..slack_stub import SlackStub

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-abcdef0123456789"


class WorkspacesStub(SlackStub):
    """The Slack stand-in, knowing which token each call came with and answering
    oauth.v2.access for a code per workspace ("code-T2" installs workspace T2)."""

    def __init__(self):
        super().__init__()
        self._local = threading.local()
        self.tokens: list[tuple[str, str | None]] = []  # (method, bearer token)
        stub = self
        base = self.server.RequestHandlerClass

        class Handler(base):
            def do_POST(self):
                auth = self.headers.get("Authorization") or ""
                stub._local.token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
                super().do_POST()

        self.server.RequestHandlerClass = Handler

    @staticmethod
    def token_of(team: str) -> str:
        return f"xoxb-{team}-installed-token"

    def _answer(self, method, body, path):
        token = getattr(self._local, "token", None)
        with self._lock:
            self.tokens.append((method, token))
        if method == "oauth.v2.access":
            team = body.get("code", "").removeprefix("code-")
            if not team:
                return 200, {"ok": False, "error": "invalid_code"}, {}
            return (
                200,
                {
                    "ok": True,
                    "app_id": "A1",
                    "access_token": self.token_of(team),
                    "token_type": "bot",
                    "scope": ",".join(SCOPES),
                    "bot_user_id": f"UBOT{team}",
                    "team": {"id": team, "name": f"Workspace {team}"},
                    "enterprise": None,
                    "authed_user": {"id": f"UINSTALLER{team}"},
                    "is_enterprise_install": False,
                },
                {},
            )
        if method == "auth.test" and token and token.startswith("xoxb-T"):
            team = token.split("-")[1]
            return (
                200,
                {
                    "ok": True,
                    "user_id": f"UBOT{team}",
                    "team_id": team,
                    "bot_id": f"B{team}",
                    "team": f"Workspace {team}",
                },
                {},
            )
        return super()._answer(method, body, path)

    def tokens_for(self, method: str) -> list[str | None]:
        with self._lock:
            return [t for m, t in self.tokens if m == method]


@pytest.fixture
def stub():
    s = WorkspacesStub()
    yield s
    s.close()


@pytest.fixture
def multi_app(db_url, stub):
    app = RunningApp(
        db_url,
        stub,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        public_base_url="https://consult.example.org",
        secret_key=SECRET_KEY,
    )
    yield app
    app.close()


def install(app: RunningApp, team: str) -> str:
    """Go through Slack's install flow as a browser would; returns the success page."""
    page = app.get("/slack/install")
    assert page.status == 200, page.text
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text).group(1)
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["https://consult.example.org/slack/oauth_redirect"]
    cookie = page.headers["set-cookie"].split(";")[0]
    back = app.get(
        f"/slack/oauth_redirect?code=code-{team}&state={query['state'][0]}",
        headers={"Cookie": cookie},
    )
    return back


def test_install_asks_for_the_least_scopes_and_no_user_scopes(multi_app):
    page = multi_app.get("/slack/install")
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize[^"]+)"', page.text).group(1)
    link = link.replace("&amp;", "&")
    query = parse_qs(urlparse(link).query)
    assert sorted(query["scope"][0].split(",")) == sorted(SCOPES)
    assert not query.get("user_scope", [""])[0]
    assert "admin" not in query["scope"][0] and "chat:write.customize" not in query["scope"][0]


def test_two_workspaces_install_and_keep_their_own_tokens_and_data(multi_app, stub):
    assert install(multi_app, "T1").status == 200
    assert install(multi_app, "T2").status == 200
    with multi_app.services.engine.connect() as conn:
        stored = {r.team_id: r.bot_token for r in conn.execute(select(slack_bots))}
        installs = conn.execute(
            select(slack_installations.c.team_id, slack_installations.c.client_id)
        ).all()
    # Stored encrypted; the store gives each workspace's own token back.
    assert sorted(stored) == ["T1", "T2"]
    assert not {stub.token_of("T1"), stub.token_of("T2")} & set(stored.values())
    store = installation_store(multi_app.services)
    bots = {team: store.bot_token_for_team(team) for team in stored}
    assert bots == {"T1": stub.token_of("T1"), "T2": stub.token_of("T2")}
    assert sorted(installs) == [("T1", CLIENT_ID), ("T2", CLIENT_ID)]

    # T1 sets up a programme in C1; the channel post goes out with T1's own token.
    assert "is set up here" in multi_app.reply('setup "Hillingdon co-commissioning"', team="T1")
    posts = stub.wait_for("chat.postMessage", 1)
    assert stub.tokens_for("chat.postMessage") == [stub.token_of("T1")]
    assert BOT_TOKEN not in {t for _, t in stub.tokens}  # SLACK_BOT_TOKEN is ignored with OAuth

    # T2, even in a channel with the same id, sees no programme and cannot change T1's.
    reply = multi_app.reply('stakeholder add lmc "Londonwide LMCs"', team="T2")
    assert "Hillingdon" not in reply and "Added" not in reply
    assert "setup" in reply  # it is told how to start its own programme
    assert "Hillingdon" not in multi_app.reply("stakeholder list", team="T2")

    # T2 sets up its own; each workspace's list shows only its own register.
    multi_app.reply('setup "Brent co-commissioning"', team="T2")
    stub.wait_for("chat.postMessage", len(posts) + 1)
    assert stub.tokens_for("chat.postMessage")[-1] == stub.token_of("T2")
    assert "Added" in multi_app.reply('stakeholder add lmc "Brent LMC"', team="T2")
    assert "Brent LMC" not in multi_app.reply("stakeholder list", team="T1")
    assert "Brent LMC" in multi_app.reply("stakeholder list", team="T2")

    # Jobs reach each workspace with that workspace's token.
    services = multi_app.services
    assert services.token_for_team("T2") == stub.token_of("T2")
    services.messenger_for_team("T1").post("C1", "digest for T1")
    services.messenger_for_team("T2").post("C1", "digest for T2")
    assert stub.tokens_for("chat.postMessage")[-2:] == [stub.token_of("T1"), stub.token_of("T2")]


def test_a_job_for_a_workspace_without_installation_fails_clearly(multi_app):
    from handlers.oauth import NotInstalled

    with pytest.raises(NotInstalled, match="not installed in workspace T9"):
        multi_app.services.messenger_for_team("T9")


def test_a_workspace_that_never_installed_gets_nothing_done(multi_app, stub):
    install(multi_app, "T1")
    multi_app.command('setup "Sneaky"', team="T3", wait=False)
    with multi_app.services.new_uow() as uow:
        assert uow.programmes.for_team("T3") == []
    assert stub.sent("chat.postMessage") == []


def test_install_callback_without_the_state_cookie_or_with_a_used_state_is_refused(multi_app):
    page = multi_app.get("/slack/install")
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize[^"]+)"', page.text).group(1)
    link = link.replace("&amp;", "&")
    state = parse_qs(urlparse(link).query)["state"][0]
    cookie = page.headers["set-cookie"].split(";")[0]
    # A forged callback (no browser cookie) installs nothing.
    assert multi_app.get(f"/slack/oauth_redirect?code=code-T5&state={state}").status >= 400
    # The real one works once; replaying it installs nothing more.
    assert (
        multi_app.get(
            f"/slack/oauth_redirect?code=code-T5&state={state}", headers={"Cookie": cookie}
        ).status
        == 200
    )
    assert (
        multi_app.get(
            f"/slack/oauth_redirect?code=code-T6&state={state}", headers={"Cookie": cookie}
        ).status
        >= 400
    )
    with multi_app.services.engine.connect() as conn:
        assert [r.team_id for r in conn.execute(select(slack_bots))] == ["T5"]
