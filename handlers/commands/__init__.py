"""The `/consult` slash command: the list of subcommands, and one dispatcher.

Each module in this package declares its subcommands with @subcommand, and
its exports with @exporter (handlers/commands/subcommand.py); COMMAND_MODULES
below lists the modules, and is the only list: SUBCOMMANDS and EXPORTS are
what its modules declare. The Slack listener and the local shell both call
`dispatch`.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from blocks.choices import choice_blocks
from bot.dates import noting
from bot.errors import ConsultError, WhichOne
from bot.grammar import closest, tokenize
from bot.rendering import defuse, esc
from bot.services.container import Services
from handlers.errors import failure_reply

from . import (
    actions,
    calendar,
    coverage,
    deadline,
    digest,
    duties,
    engage,
    engagement,
    evidence,
    export,
    help,
    issue,
    person,
    programme,
    retention,
    roles,
    setup,
    stakeholder,
    templates,
    vote,
)
from .subcommand import Catalogue, CommandRequest, Exporter, Subcommand

log = logging.getLogger("consult.commands")


# Every command module, in the order `/consult help` lists their subcommands (a module's
# own in the order it declares them). A module left out is unreachable, and fails
# tests/unit/test_subcommands.py.
COMMAND_MODULES = [
    setup,
    templates,
    programme,
    stakeholder,
    engage,
    engagement,
    actions,
    coverage,
    issue,
    deadline,
    duties,
    vote,
    evidence,
    calendar,
    digest,
    roles,
    person,
    retention,
    export,
    help,
]
CATALOGUE = Catalogue.of(COMMAND_MODULES)
SUBCOMMANDS: dict[str, Subcommand] = CATALOGUE.subcommands
# What `/consult export <what>` (and `python app.py export`) can export.
EXPORTS: dict[str, Exporter] = CATALOGUE.exports
ALIASES: dict[str, str] = CATALOGUE.aliases
find = CATALOGUE.find


def usage_that_matters(sub: Subcommand | None, usage: str, tokens: list[str]) -> str:
    """The usage lines of what was typed (`vote close`: its line, not the whole block)."""
    if usage.startswith("Usage"):  # already written out in full by the command
        return usage
    lines = usage.splitlines()
    syntax = [line for line in lines if line.startswith("/consult")]
    if sub is not None and len(tokens) > 1:
        verb = f"/consult {sub.name} {tokens[1].lower()}"
        mine = [line for line in syntax if line == verb or line.startswith(verb + " ")]
        if mine:
            lines = mine
        elif len(syntax) > 1:  # one form of several: its lines, without the notes
            lines = syntax
    shown = "\n".join(lines)
    example = (
        f"\nExample: `{sub.example}`"
        if sub is not None and len(lines) > 1 and sub.example.startswith(lines[0].split(" <")[0])
        else ""
    )
    return f"Usage:\n```{shown}```{example}"


def dispatch(req: CommandRequest) -> None:
    """Run one `/consult ...` line. Every outcome is a reply; nothing escapes."""
    sub = None
    tokens: list[str] = []
    try:
        tokens = tokenize(req.text or "")
        if not tokens:
            tokens = ["help"]
        sub = find(tokens[0])
        if sub is None:
            hint = closest(tokens[0], list(SUBCOMMANDS) + list(ALIASES))
            hint = ALIASES.get(hint, hint)
            req.out.reply(
                f"`{esc(tokens[0][:40])}` is not a Consult command."
                + (f" Did you mean `/consult {hint}`?" if hint else "")
                + " `/consult help` lists them all."
            )
            return
        with noting() as notes:
            sub.run(
                replace(req, out=_WithDateNotes(req.out, notes), catalogue=CATALOGUE), tokens[1:]
            )
    except WhichOne as e:  # a question: a button per answer
        req.out.reply(defuse(e.message), choice_blocks(e.message, e.options))
    except ConsultError as e:
        text = defuse(e.message)  # messages quote what was typed
        usage = e.usage if e.usage is not None else (sub.usage if sub and _is_usage(e) else None)
        if usage:
            text += "\n" + usage_that_matters(sub, usage, tokens)
        req.out.reply(text)
    except Exception as e:  # the last line of defence: a clear reply, never silence
        _reply_failure(req, failure_reply(e, "command"))


class _WithDateNotes:
    """The asker's messenger, adding to the next reply what the date reader decided for them."""

    def __init__(self, out, notes: list[str]):
        self._out, self._notes = out, notes

    def reply(self, text, blocks=None, fallback_blocks=None):
        if self._notes:
            said = " ".join(self._notes)
            self._notes.clear()
            text = f"{text}\n{said}"
            if blocks:
                blocks = [
                    *blocks,
                    {"type": "context", "elements": [{"type": "mrkdwn", "text": said}]},
                ]
        if fallback_blocks is None:
            self._out.reply(text, blocks)
        else:
            self._out.reply(text, blocks, fallback_blocks)

    def __getattr__(self, name):
        return getattr(self._out, name)


def _is_usage(e: ConsultError) -> bool:
    from bot.errors import UsageError

    return isinstance(e, UsageError)


def _reply_failure(req: CommandRequest, text: str) -> None:
    try:
        req.out.reply(text)
    except Exception:
        log.exception("could not send the error reply")


def add_listeners(app, services: Services) -> None:
    """Wire `/consult` into a Bolt app: ack first, then the work."""
    from handlers.actors import actor_from_payload
    from handlers.errors import answers_errors
    from handlers.slack_messenger import SlackMessenger

    @app.command("/consult")
    @answers_errors  # dispatch answers a command's own errors; this, anything before it
    def consult_callback(ack, body, respond, client, context):
        ack()
        dispatch(
            CommandRequest(
                actor=actor_from_payload(body, context, client),
                channel_id=body.get("channel_id", ""),
                text=body.get("text", ""),
                services=services,
                out=SlackMessenger(client, respond, body.get("trigger_id")),
                trigger_id=body.get("trigger_id"),
            )
        )
