"""Slack tokens are encrypted at rest, the key rotates, and nothing falls back to plain text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import insert, select

from app import main
from bot.settings import Settings, SettingsError, load_settings
from handlers.oauth import installation_store
from storage.installations import TokenKeyError, rotate_tokens, token_cipher
from storage.models.slack import slack_bots, slack_installations

from ..e2e.test_oauth import CLIENT_ID, CLIENT_SECRET, WorkspacesStub, install
from ..harness import SECRET_KEY, RunningApp, build_services

TOKENS = {
    "bot_token": "xoxb-T9-bot-secret-0123456789",
    "bot_refresh_token": "xoxe-1-bot-refresh-secret-0123456789",
    "user_token": "xoxp-T9-user-secret-0123456789",
    "user_refresh_token": "xoxe-1-user-refresh-secret-0123456789",
}


def _database_bytes(path: Path) -> bytes:
    """The database file and its write-ahead log, as they sit on disk."""
    return b"".join(
        p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()
    )


def _services(url: str, key: str | None = SECRET_KEY):
    return build_services(Settings(database_url=url, slack_client_id=CLIENT_ID, secret_key=key))


def _save_installation(services) -> None:
    installation_store(services).save(
        Installation(
            app_id="A1",
            enterprise_id=None,
            team_id="T9",
            user_id="UINSTALLER",
            bot_id="B9",
            bot_user_id="UBOT9",
            bot_scopes="commands,chat:write",
            installed_at=datetime(2015, 3, 4, 9, 0).timestamp(),
            **TOKENS,
        )
    )


def test_an_installed_workspaces_token_is_nowhere_in_the_database_file(tmp_path):
    db = tmp_path / "consult.db"
    stub = WorkspacesStub()
    app = RunningApp(
        f"sqlite:///{db}",
        stub,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        public_base_url="https://consult.example.org",
        secret_key=SECRET_KEY,
    )
    try:
        assert install(app, "T1").status == 200
        assert "is set up here" in app.reply('setup "Hillingdon co-commissioning"', team="T1")
        _save_installation(app.services)  # user and refresh tokens too
        assert stub.tokens_for("chat.postMessage")[-1] == stub.token_of("T1")
    finally:
        app.close()
        stub.close()
    on_disk = _database_bytes(db)
    assert b"T1-installed-token" not in on_disk
    for token in TOKENS.values():
        assert token.encode() not in on_disk
    assert b"xoxb-" not in on_disk and b"xoxp-" not in on_disk and b"xoxe-" not in on_disk


def test_the_store_reads_back_what_it_encrypted(sqlite_url):
    services = _services(sqlite_url)
    _save_installation(services)
    store = installation_store(services)
    found = store.find_installation(enterprise_id=None, team_id="T9")
    assert {k: getattr(found, k) for k in TOKENS} == TOKENS
    assert store.bot_token_for_team("T9") == TOKENS["bot_token"]
    with services.engine.connect() as conn:
        raw = conn.execute(select(slack_bots.c.bot_token)).scalar_one()
    assert Fernet(SECRET_KEY).decrypt(raw.encode()).decode() == TOKENS["bot_token"]


def test_rotate_key_re_encrypts_every_token_under_the_new_key(sqlite_url, monkeypatch, capsys):
    services = _services(sqlite_url)
    _save_installation(services)
    services.engine.dispose()
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CONSULT_SECRET_KEY", f"{new},{SECRET_KEY}")
    assert main(["rotate-key"]) == 0
    assert "Re-encrypted 6 stored Slack tokens" in capsys.readouterr().out

    rotated = _services(sqlite_url, key=new)  # the old key is gone
    with rotated.engine.connect() as conn:
        stored = [
            *conn.execute(select(*(slack_installations.c[c] for c in TOKENS))).one(),
            *conn.execute(select(slack_bots.c.bot_token, slack_bots.c.bot_refresh_token)).one(),
        ]
    for value in stored:
        Fernet(new).decrypt(value.encode())
        with pytest.raises(InvalidToken):
            Fernet(SECRET_KEY).decrypt(value.encode())
    assert installation_store(rotated).bot_token_for_team("T9") == TOKENS["bot_token"]


def test_a_wrong_key_is_an_error_that_says_what_to_do_never_plain_text(
    sqlite_url, monkeypatch, capsys
):
    services = _services(sqlite_url)
    _save_installation(services)
    wrong = _services(sqlite_url, key=Fernet.generate_key().decode())
    with pytest.raises(TokenKeyError, match="CONSULT_SECRET_KEY=new,old"):
        installation_store(wrong).bot_token_for_team("T9")
    with pytest.raises(TokenKeyError):
        rotate_tokens(wrong.engine, token_cipher(wrong.settings.secret_key))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CONSULT_SECRET_KEY", wrong.settings.secret_key)
    assert main(["rotate-key"]) == 2
    assert "Nothing was changed" in capsys.readouterr().err
    assert installation_store(services).bot_token_for_team("T9") == TOKENS["bot_token"]


def test_tokens_stored_before_encryption_are_sealed_on_start(sqlite_url):
    plain = build_services(Settings(database_url=sqlite_url))
    with plain.engine.begin() as conn:
        conn.execute(
            insert(slack_bots).values(
                client_id=CLIENT_ID,
                app_id="A1",
                team_id="T7",
                bot_token="xoxb-T7-from-before",
                installed_at=datetime(2015, 1, 1),
            )
        )
    services = _services(sqlite_url)
    store = installation_store(services)  # as serve does when it starts
    with services.engine.connect() as conn:
        raw = conn.execute(select(slack_bots.c.bot_token)).scalar_one()
    assert raw != "xoxb-T7-from-before" and "xoxb" not in raw
    assert store.bot_token_for_team("T7") == "xoxb-T7-from-before"


def test_serve_with_oauth_and_no_key_says_what_to_set(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    for name, value in {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'consult.db'}",
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": "signing-secret-0123456789",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CONSULT_SECRET_KEY", raising=False)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "CONSULT_SECRET_KEY is not set" in err and "rotate-key --generate" in err
    # Nor can the store be made without one: no plain-text fallback anywhere.
    services = build_services(
        Settings(database_url=f"sqlite:///{tmp_path / 'consult.db'}", slack_client_id=CLIENT_ID)
    )
    with pytest.raises(SettingsError, match="CONSULT_SECRET_KEY"):
        installation_store(services)


def test_a_malformed_key_is_refused_without_echoing_it():
    with pytest.raises(SettingsError, match="CONSULT_SECRET_KEY's key number 2") as caught:
        load_settings({"CONSULT_SECRET_KEY": f"{SECRET_KEY},not-a-key-but-a-secret"}, None)
    assert "not-a-key-but-a-secret" not in str(caught.value)
    assert load_settings({"CONSULT_SECRET_KEY": f" {SECRET_KEY} "}, None).secret_key == SECRET_KEY


def test_generate_prints_a_usable_key_and_the_steps(capsys, sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["rotate-key", "--generate"]) == 0
    out = capsys.readouterr()
    Fernet(out.out.strip())
    assert "CONSULT_SECRET_KEY=" in out.err and "rotate-key" in out.err
