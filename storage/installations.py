"""Workspace installations and OAuth states, kept in Consult's database.

slack_sdk's own SQLAlchemy stores, on the tables that migration
0002_installations creates (storage/models/slack.py declares them column for
column). Jobs have no request to authorise, so they find a workspace's bot
token by its team id alone.

Tokens are encrypted at rest with Fernet under CONSULT_SECRET_KEY: the store's
token columns are given a type that encrypts on the way in and decrypts on
the way out, so slack_sdk's own code never sees ciphertext and the database
never sees a token. MultiFernet takes several keys, newest first: the first
encrypts, any decrypts, and `rotate_tokens` re-encrypts every stored token
under the first (`python app.py rotate-key`).
"""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Dialect, Engine, Table, Text, select, update
from sqlalchemy.types import TypeDecorator

from storage.models.slack import slack_bots, slack_installations

log = logging.getLogger("consult.installations")

TOKEN_COLUMNS = {
    slack_installations: ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
    slack_bots: ("bot_token", "bot_refresh_token"),
}
# Every Fernet token starts with its version byte, 0x80, which is "gAAAAA" in base64;
# Slack's tokens start with "xox".
_FERNET_PREFIX = "gAAAAA"


class TokenKeyError(RuntimeError):
    """A stored token can't be decrypted with the keys in CONSULT_SECRET_KEY."""

    def __init__(self) -> None:
        super().__init__(
            "A Slack token in the database can't be decrypted with CONSULT_SECRET_KEY. Was the "
            "key replaced instead of added? Put the old key back after the new one "
            "(CONSULT_SECRET_KEY=new,old), run `python app.py rotate-key`, then drop the old one."
        )


def token_cipher(secret_key: str) -> MultiFernet:
    """CONSULT_SECRET_KEY's keys (comma-separated, newest first) as one MultiFernet."""
    return MultiFernet([Fernet(k.strip()) for k in secret_key.split(",") if k.strip()])


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


class EncryptedToken(TypeDecorator[str]):
    """A token column: Fernet ciphertext in the database, the token in Python."""

    impl = Text
    cache_ok = False  # each instance carries its own keys

    def __init__(self, cipher: MultiFernet):
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.cipher.encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not value.startswith(_FERNET_PREFIX):
            # Stored before encryption: sealed at start (seal_plaintext_tokens); never used as is.
            raise TokenKeyError()
        try:
            return self.cipher.decrypt(value.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise TokenKeyError() from None


def _encrypt_columns(table: Table, cipher: MultiFernet) -> None:
    for name in TOKEN_COLUMNS[slack_installations if "user_id" in table.c else slack_bots]:
        table.c[name].type = EncryptedToken(cipher)


class DatabaseInstallationStore(SQLAlchemyInstallationStore):
    def __init__(self, client_id: str, engine: Engine, cipher: MultiFernet):
        super().__init__(client_id=client_id, engine=engine, logger=log)
        # slack_sdk builds its own Table objects (on its own MetaData): give their
        # token columns the encrypting type before any statement is made from them.
        _encrypt_columns(self.installations, cipher)
        _encrypt_columns(self.bots, cipher)

    def bot_token_for_team(self, team_id: str) -> str | None:
        bot = self.find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None


class DatabaseOAuthStateStore(SQLAlchemyOAuthStateStore):
    def __init__(self, engine: Engine, expiration_seconds: int = 600):
        super().__init__(expiration_seconds=expiration_seconds, engine=engine, logger=log)


def rotate_tokens(engine: Engine, cipher: MultiFernet, plaintext_only: bool = False) -> int:
    """Re-encrypt every stored token under the first key (and encrypt any stored in plain
    text, from before encryption). One transaction: all or nothing. Returns how many."""
    changed = 0
    with engine.begin() as conn:
        for table, columns in TOKEN_COLUMNS.items():
            for row in conn.execute(select(table.c.id, *(table.c[c] for c in columns))):
                values = {}
                for name in columns:
                    stored = row._mapping[name]
                    if stored is None:
                        continue
                    if not stored.startswith(_FERNET_PREFIX):
                        values[name] = cipher.encrypt(stored.encode("utf-8")).decode("ascii")
                    elif not plaintext_only:
                        try:
                            values[name] = cipher.rotate(stored.encode("ascii")).decode("ascii")
                        except InvalidToken:
                            raise TokenKeyError() from None
                if values:
                    conn.execute(update(table).where(table.c.id == row.id).values(**values))
                    changed += len(values)
    return changed


def seal_plaintext_tokens(engine: Engine, cipher: MultiFernet) -> None:
    """Tokens stored before encryption came in are encrypted on the first start with a key."""
    sealed = rotate_tokens(engine, cipher, plaintext_only=True)
    if sealed:
        log.warning("encrypted %d Slack tokens that were stored in plain text", sealed)
