"""Secrets (tokens, signing and client secrets, feed tokens, response URLs) never reach logs or replies."""

from __future__ import annotations

import logging

import pytest

from bot.context import Actor
from bot.settings import Settings
from handlers import commands
from handlers.commands import CommandRequest, Subcommand, dispatch
from handlers.log_redaction import install_log_redaction, redact

from .test_hostile_input import RecordingMessenger

SIGNING = "8f14e45fceea167a5a36dedd4bea2543"
CLIENT_SECRET = "c9f0f895fb98ab9159f51fd0297e236d"
BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
USER = "xoxp-1234567890-1111-2222-abcdef"
APP = "xapp-1-A0123-456789-abcdef0123456789"
FEED = "Qm9vZ2llLXdvb2dpZS10b2tlbi1zZWNyZXQ"
RESPONSE_URL = "https://hooks.slack.com/commands/T1/123456/AbCdEfSecret"


@pytest.fixture(autouse=True)
def redaction():
    install_log_redaction(
        Settings(
            slack_signing_secret=SIGNING,
            slack_client_secret=CLIENT_SECRET,
            slack_bot_token=BOT,
            slack_app_token=APP,
        )
    )


def secrets_in(text: str) -> list[str]:
    return [s for s in (SIGNING, CLIENT_SECRET, BOT, USER, APP, FEED, "AbCdEfSecret") if s in text]


def test_redact_removes_every_kind_of_secret_and_keeps_the_rest():
    line = (
        f"auth failed for {BOT} and {USER} (app {APP}, rotated xoxe.xoxp-1-Zm9vYmFy); "
        f"signing {SIGNING}, client {CLIENT_SECRET}; feed https://consult.example.org/calendar/{FEED}.ics "
        f"webcal://h/calendar/{FEED}.ics?x=1; page https://h/calendar/{FEED} opened; reply to {RESPONSE_URL}"
    )
    clean = redact(line)
    assert secrets_in(clean) == []
    assert "Zm9vYmFy" not in clean
    assert "xoxb-[redacted]" in clean and "/calendar/[redacted].ics" in clean
    assert "https://h/calendar/[redacted] opened" in clean
    assert clean.startswith("auth failed for") and "https://consult.example.org" in clean


def test_log_messages_arguments_and_tracebacks_are_scrubbed(caplog):
    log = logging.getLogger("consult.test")
    with caplog.at_level(logging.INFO):
        log.info("calling Slack with %s for GET /calendar/%s.ics", BOT, FEED)
        log.warning("signature check with %(secret)s", {"secret": SIGNING})
        try:
            raise RuntimeError(f"invalid_auth: {USER} {CLIENT_SECRET}")
        except RuntimeError:
            log.exception("request to %s failed", RESPONSE_URL)
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError: invalid_auth" in caplog.text  # the traceback is kept...
    assert secrets_in(text) == []  # ...without the secrets


def test_a_failing_command_replies_with_a_reference_not_the_secret(services, caplog):
    def leaky(req, args):
        raise RuntimeError(
            f"Slack said invalid_auth for {BOT}; feed /calendar/{FEED}.ics; secret {SIGNING}"
        )

    commands.SUBCOMMANDS["leaky"] = Subcommand(
        "leaky", "test", "/consult leaky", "/consult leaky", leaky
    )
    try:
        out = RecordingMessenger()
        with caplog.at_level(logging.ERROR):
            dispatch(CommandRequest(Actor("T1", "UADMIN"), "C1", "leaky", services, out))
    finally:
        del commands.SUBCOMMANDS["leaky"]
    [(kind, reply, _)] = out.sent
    assert "something went wrong" in reply and "reference" in reply
    assert secrets_in(reply) == [] and "invalid_auth" not in reply
    assert "invalid_auth" in caplog.text and secrets_in(caplog.text) == []


def test_settings_errors_do_not_echo_the_values():
    from bot.settings import SettingsError, load_settings

    with pytest.raises(SettingsError) as e:
        load_settings(
            {"SLACK_APP_TOKEN": "not-an-app-token-" + SIGNING, "SLACK_BOT_TOKEN": BOT}, None
        ).check_slack()
    assert SIGNING not in str(e.value) and BOT not in str(e.value)
