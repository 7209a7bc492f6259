"""Workspace installations and OAuth states, kept in Consult's database.

slack_sdk's own SQLAlchemy stores, on the tables that migration
0002_installations creates (storage/models/slack.py declares them column for
column). Jobs have no request to authorise, so they find a workspace's bot
token by its team id alone.
"""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

log = logging.getLogger("consult.installations")


class DatabaseInstallationStore(SQLAlchemyInstallationStore):
    def __init__(self, client_id: str, engine: Engine):
        super().__init__(client_id=client_id, engine=engine, logger=log)

    def bot_token_for_team(self, team_id: str) -> str | None:
        bot = self.find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None


class DatabaseOAuthStateStore(SQLAlchemyOAuthStateStore):
    def __init__(self, engine: Engine, expiration_seconds: int = 600):
        super().__init__(expiration_seconds=expiration_seconds, engine=engine, logger=log)
