"""Secrets never reach the logs.

Installed once at start (app.py main), this rewrites every log record as it
is made, before any handler sees it: Slack tokens (xoxb-, xoxp-, xapp-...),
response_url addresses (each one lets its holder answer for the app for 30
minutes), calendar feed tokens in /calendar/<token>.ics paths (and the pages at
/calendar/<token>), and the
signing and client secrets themselves are replaced, in the message, its
arguments, and any traceback.
"""

from __future__ import annotations

import logging
import re
import threading

REDACTED = "[redacted]"

_PATTERNS = [
    # Bot, user, app-level, refresh and rotated tokens.
    (
        re.compile(r"\b(?:xoxe\.)?(xox[abeoprs]|xapp)-[A-Za-z0-9-]+"),
        lambda m: f"{m.group(1)}-{REDACTED}",
    ),
    (
        re.compile(r"(/calendar/)[^/\s\"'?#<>.]+(\.ics)?"),
        lambda m: f"{m.group(1)}{REDACTED}{m.group(2) or ''}",
    ),
    (re.compile(r"(https://hooks\.slack\.com/)[^\s\"'<>]+"), lambda m: f"{m.group(1)}{REDACTED}"),
]

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: keep what there is, scrubbed
        message = f"{record.msg} {record.args!r}"
    clean = redact(message)
    if clean != message or record.args:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_log_redaction(settings=None) -> None:
    """Scrub every log record from now on. Calling it again only adds the given settings' secrets."""
    global _installed
    with _lock:
        if settings is not None:
            for value in (
                settings.slack_signing_secret,
                settings.slack_client_secret,
                settings.slack_bot_token,
                settings.slack_app_token,
                *(settings.secret_key or "").split(","),
            ):
                # Short values would blank out ordinary words; real secrets are long.
                if value and len(value) >= 8:
                    _secrets.add(value)
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def scrubbing_factory(*args, **kwargs):
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(scrubbing_factory)
        _installed = True
