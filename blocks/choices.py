"""A question with a button per answer, each running the command that answer means."""

from __future__ import annotations

from bot.rendering import defuse

RUN_ACTION = "consult_run"  # + _<n>: one per button, as Slack wants them distinct
MAX_VALUE = 2000  # Slack's limit on a button's value
MAX_BUTTONS = 5


def choice_blocks(text: str, options: list[tuple[str, str]]) -> list[dict]:
    """`options` are (label, command without `/consult`); the text lists them for reading."""
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": label[:75], "emoji": False},
            "action_id": f"{RUN_ACTION}_{i}",
            "value": command,
        }
        for i, (label, command) in enumerate(options[:MAX_BUTTONS])
        if len(command) <= MAX_VALUE
    ]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": defuse(text)[:3000]}}]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks
