"""Settings from the environment (and a `.env` file), validated at start.

SPEC section 1 lists them; nothing else is read from the environment.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///consult.db"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str | None = None
    port: int = 3000
    public_base_url: str = "http://localhost:3000"
    timezone: str = "Europe/London"
    # Fernet keys, newest first, comma-separated: the first encrypts, any decrypts.
    secret_key: str | None = None
    # Where the shell saves the files it is sent (exports), rather than the current folder.
    data_dir: str = "consult-data"

    @property
    def oauth(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def check_slack(self) -> None:
        """For `serve`: there must be a way to reach Slack."""
        if not (self.slack_bot_token or self.slack_app_token or self.oauth):
            raise SettingsError(
                "No way to reach Slack: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
                "(HTTP mode), or SLACK_APP_TOKEN and SLACK_BOT_TOKEN (Socket Mode), or "
                "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (install "
                "to many workspaces). To try Consult without Slack, run `python app.py shell`."
            )
        if self.socket_mode:
            if not (self.slack_app_token or "").startswith("xapp-"):
                raise SettingsError(
                    "SLACK_APP_TOKEN must be an app-level token starting with xapp-."
                )
            if not self.slack_bot_token:
                raise SettingsError(
                    "Socket Mode needs SLACK_BOT_TOKEN (xoxb-...) as well as SLACK_APP_TOKEN."
                )
        elif not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode checks every request's signature "
                "with it (Slack app settings > Basic Information > Signing Secret)."
            )
        if self.slack_bot_token and not self.oauth and not self.slack_bot_token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-.")
        if self.oauth and not self.secret_key:
            raise SettingsError(
                "CONSULT_SECRET_KEY is not set. With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, "
                "Consult keeps each workspace's bot token in the database, encrypted with this "
                "key, and never in plain text. Make a key with `python app.py rotate-key "
                "--generate`, set CONSULT_SECRET_KEY to it (in the environment or .env), and "
                "keep a copy with your backups: without it the stored tokens can't be read."
            )


def is_fernet_key(key: str) -> bool:
    """A Fernet key: 32 bytes in URL-safe base64."""
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32 and len(key) == 44
    except (ValueError, UnicodeEncodeError):
        return False


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def load_settings(
    environ: dict[str, str] | None = None, dotenv_path: str | None = ".env"
) -> Settings:
    """Read and validate settings. `.env` fills in what the environment lacks."""
    env: dict[str, str] = {}
    if dotenv_path and environ is None and os.path.exists(dotenv_path):
        from dotenv import dotenv_values

        env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    env.update(os.environ if environ is None else environ)

    port_text = env.get("PORT", "3000").strip() or "3000"
    try:
        port = int(port_text)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise SettingsError(f"PORT must be a number from 1 to 65535, not {port_text!r}.") from None

    timezone = _blank_to_none(env.get("CONSULT_TIMEZONE")) or "Europe/London"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"CONSULT_TIMEZONE {timezone!r} is not a known timezone; use a name such as Europe/London."
        ) from None

    database_url = _blank_to_none(env.get("DATABASE_URL")) or "sqlite:///consult.db"
    if database_url.startswith("postgres://") or database_url.startswith("postgresql://"):
        # Plain postgres URLs would pick psycopg2, which is not installed.
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    if not database_url.startswith(("sqlite", "postgresql+psycopg")):
        raise SettingsError(
            "DATABASE_URL must be a SQLite (sqlite:///consult.db) or PostgreSQL "
            "(postgresql+psycopg://user:password@host/db) SQLAlchemy URL."
        )

    public = _blank_to_none(env.get("PUBLIC_BASE_URL")) or f"http://localhost:{port}"
    if not public.startswith(("http://", "https://")):
        raise SettingsError("PUBLIC_BASE_URL must start with http:// or https://.")

    api_url = _blank_to_none(env.get("SLACK_API_URL"))
    if api_url and not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins method names onto it

    secret_key = _blank_to_none(env.get("CONSULT_SECRET_KEY"))
    if secret_key:
        secret_key = ",".join(k.strip() for k in secret_key.split(",") if k.strip())
        for n, key in enumerate(secret_key.split(","), start=1):
            if not is_fernet_key(key):
                raise SettingsError(
                    f"CONSULT_SECRET_KEY's key number {n} is not a key: each is 32 bytes in "
                    "URL-safe base64 (44 characters), as `python app.py rotate-key --generate` "
                    "makes; several are separated by commas, newest first."
                )

    return Settings(
        data_dir=_blank_to_none(env.get("CONSULT_DATA_DIR")) or "consult-data",
        database_url=database_url,
        slack_bot_token=_blank_to_none(env.get("SLACK_BOT_TOKEN")),
        slack_signing_secret=_blank_to_none(env.get("SLACK_SIGNING_SECRET")),
        slack_app_token=_blank_to_none(env.get("SLACK_APP_TOKEN")),
        slack_client_id=_blank_to_none(env.get("SLACK_CLIENT_ID")),
        slack_client_secret=_blank_to_none(env.get("SLACK_CLIENT_SECRET")),
        slack_api_url=api_url,
        port=port,
        public_base_url=public.rstrip("/"),
        timezone=timezone,
        secret_key=secret_key,
    )
