"""Installing Consult into many workspaces: Slack's OAuth flow, tokens per workspace.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, `GET /slack/install` starts
Slack's install flow and `/slack/oauth_redirect` finishes it; each workspace's
bot token is kept in the database (slack_sdk's SQLAlchemy store), found for every
request by the request's team, and for jobs by `Installations.token_for_team`.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.authorization.authorize_result import AuthorizeResult
from slack_bolt.oauth.oauth_settings import OAuthSettings
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from bot.services.container import Services
from bot.settings import Settings, SettingsError
from storage.installations import (
    DatabaseInstallationStore,
    DatabaseOAuthStateStore,
    seal_plaintext_tokens,
    token_cipher,
)

log = logging.getLogger("consult.oauth")

# Bot scopes: the least Consult needs. manifest.yml declares the same list.
SCOPES = [
    "commands",  # /consult and the "Log as engagement" message shortcut
    "chat:write",  # replies, channel posts, reminders, digests
    "im:write",  # opening a DM to send a reminder, a ballot or a file
    "users:read",  # is the user a workspace admin (admins can manage any programme)
    "files:write",  # CSV exports and evidence packs sent to the asker
    "files:read",  # member practice files shared in the channel, for import
    # Settling a send interrupted by a crash: look for the post's metadata in
    # the channel (public, private) or the DM before posting again.
    "channels:history",
    "groups:history",
    "im:history",
]

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_EXPIRY_SECONDS = 600


class WorkspaceAuthorize(InstallationStoreAuthorize):
    """Finds the request's workspace installation; survives the database being away.

    Without the database no token can be found, but the request can still be
    answered as in single-workspace mode: the command's reply says "try again"
    through its response_url (which needs no token), and an event is refused
    so that Slack delivers it again later.
    """

    def __call__(self, *, context, enterprise_id, team_id, user_id, **kwargs):
        try:
            return super().__call__(
                context=context,
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                **kwargs,
            )
        except DBAPIError as e:
            log.warning(
                "workspace %s not authorised: the database is unavailable (%s)",
                team_id,
                type(e).__name__,
            )
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


class NotInstalled(LookupError):
    """A job wanted to reach a workspace Consult is not (or no longer) installed in."""


class Installations:
    """The workspaces' installations, opened when first needed: their tokens are sealed with
    CONSULT_SECRET_KEY, which only many-workspace mode requires."""

    def __init__(self, settings: Settings, engine: Engine):
        self.settings, self.engine = settings, engine
        self._store: DatabaseInstallationStore | None = None
        self._lock = threading.Lock()

    def store(self) -> DatabaseInstallationStore:
        with self._lock:
            if self._store is None:
                if not self.settings.secret_key:  # never a plaintext fallback
                    raise SettingsError(
                        "CONSULT_SECRET_KEY is not set: installations' tokens are stored "
                        "encrypted with it. Make one with `python app.py rotate-key --generate`."
                    )
                cipher = token_cipher(self.settings.secret_key)
                seal_plaintext_tokens(self.engine, cipher)
                self._store = DatabaseInstallationStore(
                    self.settings.slack_client_id, self.engine, cipher
                )
            return self._store

    def token_for_team(self, team_id: str) -> str:
        """A workspace's bot token, for jobs (requests find theirs through Bolt's authorize)."""
        token = self.store().bot_token_for_team(team_id)
        if token is None:
            raise NotInstalled(f"Consult is not installed in workspace {team_id}")
        return token


def installation_store(services: Services) -> DatabaseInstallationStore:
    return services.installations.store()


def oauth_options(services: Services, client) -> dict:
    """Keyword arguments for Bolt's App in many-workspace mode."""
    settings = services.settings
    store = installation_store(services)
    redirect_uri = f"{settings.public_base_url}{REDIRECT_PATH}"
    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=SCOPES,
        user_scopes=[],
        redirect_uri=redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        state_store=DatabaseOAuthStateStore(services.engine, STATE_EXPIRY_SECONDS),
        state_expiration_seconds=STATE_EXPIRY_SECONDS,
    )
    # Bolt's default authorize asks Slack's auth.test on every request; the
    # answer for a token never changes, so it is cached per token.
    authorize = WorkspaceAuthorize(
        installation_store=store,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        logger=logging.getLogger("consult.bolt"),
        client=client,
        cache_enabled=True,
    )
    return {"oauth_settings": oauth_settings, "installation_store": store, "authorize": authorize}
