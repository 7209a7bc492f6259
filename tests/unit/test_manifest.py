"""manifest.yml declares what the code listens for, with the scopes the code asks for."""

import re
from pathlib import Path

from handlers.oauth import SCOPES

MANIFEST = (Path(__file__).resolve().parents[2] / "manifest.yml").read_text()


def _bot_scopes() -> list[str]:
    block = MANIFEST.split("    bot:\n", 1)[1]
    scopes = []
    for line in block.splitlines():
        m = re.match(r"^      - ([\w:.]+)", line)
        if not m:
            break
        scopes.append(m.group(1))
    return scopes


def test_manifest_scopes_are_the_code_scopes():
    assert sorted(_bot_scopes()) == sorted(SCOPES)


def test_manifest_declares_command_shortcut_home_and_interactivity():
    assert "command: /consult" in MANIFEST
    assert "callback_id: log_engagement" in MANIFEST
    assert "app_home_opened" in MANIFEST and "home_tab_enabled: true" in MANIFEST
    assert MANIFEST.count("/slack/events") >= 4  # command, events, interactivity, options
    assert "/slack/oauth_redirect" in MANIFEST
