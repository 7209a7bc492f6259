"""Workspace installations and OAuth states, kept in Consult's database.

The same behaviour as slack_sdk's SQLAlchemyInstallationStore and
SQLAlchemyOAuthStateStore, on the same tables (storage/models/slack.py):
those classes cannot be imported without greenlet (they pull in SQLAlchemy's
asyncio extension), so this module implements slack_sdk's store interfaces
directly. The latest installation of a workspace wins; a bot token is found
by workspace (team id) alone, so jobs can reach a workspace with no request.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone

from slack_sdk.oauth.installation_store.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.state_store import OAuthStateStore
from sqlalchemy import Engine, and_, delete, desc, select

from storage.models.slack import slack_bots, slack_installations, slack_oauth_states

log = logging.getLogger("consult.installations")


def _naive_utc(value: datetime | None) -> datetime | None:
    """The slack_* tables hold naive UTC, as slack_sdk's stores write them."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


class DatabaseInstallationStore(InstallationStore):
    def __init__(self, client_id: str, engine: Engine):
        self.client_id = client_id
        self.engine = engine
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    # -- writing -------------------------------------------------------------
    def save(self, installation: Installation) -> None:
        row = installation.to_dict()
        row["client_id"] = self.client_id
        for key in ("installed_at", "bot_token_expires_at", "user_token_expires_at"):
            row[key] = _naive_utc(row.get(key))
        c = slack_installations.c
        with self.engine.begin() as conn:
            existing = conn.scalar(select(c.id).where(
                c.client_id == self.client_id, c.enterprise_id == installation.enterprise_id,
                c.team_id == installation.team_id, c.installed_at == row["installed_at"]).limit(1))
            if existing is None:
                conn.execute(slack_installations.insert().values(**_columns(slack_installations, row)))
            else:
                conn.execute(slack_installations.update().where(c.id == existing)
                             .values(**_columns(slack_installations, row)))
        self.save_bot(installation.to_bot())

    def save_bot(self, bot: Bot) -> None:
        row = bot.to_dict()
        row["client_id"] = self.client_id
        for key in ("installed_at", "bot_token_expires_at"):
            row[key] = _naive_utc(row.get(key))
        c = slack_bots.c
        with self.engine.begin() as conn:
            existing = conn.scalar(select(c.id).where(
                c.client_id == self.client_id, c.enterprise_id == bot.enterprise_id,
                c.team_id == bot.team_id, c.installed_at == row["installed_at"]).limit(1))
            if existing is None:
                conn.execute(slack_bots.insert().values(**_columns(slack_bots, row)))
            else:
                conn.execute(slack_bots.update().where(c.id == existing).values(**_columns(slack_bots, row)))

    # -- reading -------------------------------------------------------------
    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        if is_enterprise_install or team_id is None:
            team_id = None
        c = slack_bots.c
        query = (select(slack_bots)
                 .where(c.client_id == self.client_id, c.enterprise_id == enterprise_id, c.team_id == team_id,
                        c.bot_token.is_not(None))
                 .order_by(desc(c.installed_at)).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _bot(row) if row else None

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        if is_enterprise_install or team_id is None:
            team_id = None
        c = slack_installations.c
        where = and_(c.client_id == self.client_id, c.enterprise_id == enterprise_id, c.team_id == team_id)
        if user_id is not None:
            where = and_(where, c.user_id == user_id)
        with self.engine.connect() as conn:
            row = conn.execute(select(slack_installations).where(where)
                               .order_by(desc(c.installed_at)).limit(1)).mappings().first()
        installation = _installation(row) if row else None
        if installation is not None and (user_id is not None or installation.bot_token is None):
            # A user's own installation may predate the latest bot token: use the latest.
            latest = self.find_bot(enterprise_id=enterprise_id, team_id=team_id,
                                   is_enterprise_install=is_enterprise_install)
            if latest is not None and installation.bot_token != latest.bot_token:
                installation.bot_id = latest.bot_id
                installation.bot_user_id = latest.bot_user_id
                installation.bot_token = latest.bot_token
                installation.bot_scopes = latest.bot_scopes
                installation.bot_refresh_token = latest.bot_refresh_token
                installation.bot_token_expires_at = latest.bot_token_expires_at
        return installation

    def bot_token_for_team(self, team_id: str) -> str | None:
        """The latest bot token installed in a workspace, whatever its Enterprise Grid org."""
        c = slack_bots.c
        with self.engine.connect() as conn:
            return conn.scalar(select(c.bot_token)
                               .where(c.client_id == self.client_id, c.team_id == team_id,
                                      c.bot_token.is_not(None))
                               .order_by(desc(c.installed_at)).limit(1))

    # -- uninstalling ----------------------------------------------------------
    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        c = slack_bots.c
        with self.engine.begin() as conn:
            conn.execute(delete(slack_bots).where(c.client_id == self.client_id, c.enterprise_id == enterprise_id,
                                                  c.team_id == team_id))

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        c = slack_installations.c
        where = and_(c.client_id == self.client_id, c.enterprise_id == enterprise_id, c.team_id == team_id)
        if user_id is not None:
            where = and_(where, c.user_id == user_id)
        with self.engine.begin() as conn:
            conn.execute(delete(slack_installations).where(where))


class DatabaseOAuthStateStore(OAuthStateStore):
    """One-time `state` values for the install flow, shared by every process."""

    def __init__(self, engine: Engine, expiration_seconds: int = 600):
        self.engine = engine
        self.expiration_seconds = expiration_seconds
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    def issue(self, *args, **kwargs) -> str:
        state = str(uuid.uuid4())
        expire_at = _naive_utc(datetime.now(timezone.utc) + timedelta(seconds=self.expiration_seconds))
        with self.engine.begin() as conn:
            conn.execute(slack_oauth_states.insert().values(state=state, expire_at=expire_at))
        return state

    def consume(self, state: str) -> bool:
        c = slack_oauth_states.c
        now = _naive_utc(datetime.now(timezone.utc))
        try:
            with self.engine.begin() as conn:
                # Deleting is the check: of two callbacks with one state, one wins.
                gone = conn.execute(delete(slack_oauth_states).where(c.state == state, c.expire_at > now))
                conn.execute(delete(slack_oauth_states).where(c.expire_at <= now))
                return gone.rowcount >= 1
        except Exception:
            self.logger.warning("could not check an OAuth state", exc_info=True)
            return False


def _columns(table, row: dict) -> dict:
    return {k: v for k, v in row.items() if k in table.c}


def _bot(row) -> Bot:
    return Bot(
        app_id=row["app_id"], enterprise_id=row["enterprise_id"], enterprise_name=row["enterprise_name"],
        team_id=row["team_id"], team_name=row["team_name"], bot_token=row["bot_token"], bot_id=row["bot_id"],
        bot_user_id=row["bot_user_id"], bot_scopes=row["bot_scopes"], bot_refresh_token=row["bot_refresh_token"],
        bot_token_expires_at=row["bot_token_expires_at"], is_enterprise_install=row["is_enterprise_install"],
        installed_at=row["installed_at"],
    )


def _installation(row) -> Installation:
    return Installation(
        app_id=row["app_id"], enterprise_id=row["enterprise_id"], enterprise_name=row["enterprise_name"],
        enterprise_url=row["enterprise_url"], team_id=row["team_id"], team_name=row["team_name"],
        bot_token=row["bot_token"], bot_id=row["bot_id"], bot_user_id=row["bot_user_id"],
        bot_scopes=row["bot_scopes"], bot_refresh_token=row["bot_refresh_token"],
        bot_token_expires_at=row["bot_token_expires_at"], user_id=row["user_id"], user_token=row["user_token"],
        user_scopes=row["user_scopes"], user_refresh_token=row["user_refresh_token"],
        user_token_expires_at=row["user_token_expires_at"], incoming_webhook_url=row["incoming_webhook_url"],
        incoming_webhook_channel=row["incoming_webhook_channel"],
        incoming_webhook_channel_id=row["incoming_webhook_channel_id"],
        incoming_webhook_configuration_url=row["incoming_webhook_configuration_url"],
        is_enterprise_install=row["is_enterprise_install"], token_type=row["token_type"],
        installed_at=row["installed_at"],
    )
