"""The `/consult` slash command: one registry of subcommands, one dispatcher.

Each module in this package declares its subcommands with @subcommand;
the Slack listener and the local shell both call `dispatch`.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.context import Actor
from bot.errors import ConsultError
from bot.grammar import closest, tokenize
from bot.messenger import Messenger
from bot.rendering import defuse, esc
from bot.services.container import Services

log = logging.getLogger("consult.commands")


@dataclass
class CommandRequest:
    actor: Actor
    channel_id: str
    text: str
    services: Services
    out: Messenger
    trigger_id: str | None = None

    @property
    def uow(self):
        return self.services.uow()


@dataclass
class Subcommand:
    name: str
    summary: str
    usage: str
    example: str
    run: Callable[[CommandRequest, list[str]], None]
    aliases: tuple[str, ...] = ()
    order: int = 50


SUBCOMMANDS: dict[str, Subcommand] = {}
ALIASES: dict[str, str] = {}


def subcommand(
    name: str,
    *,
    summary: str,
    usage: str,
    example: str,
    aliases: tuple[str, ...] = (),
    order: int = 50,
):
    def decorate(fn):
        SUBCOMMANDS[name] = Subcommand(name, summary, usage, example, fn, aliases, order)
        for alias in aliases:
            ALIASES[alias] = name
        return fn

    return decorate


def find(name: str) -> Subcommand | None:
    name = name.lower()
    return SUBCOMMANDS.get(ALIASES.get(name, name))


def usage_block(sub: Subcommand) -> str:
    return f"Usage:\n```{sub.usage}```\nExample: `{sub.example}`"


def dispatch(req: CommandRequest) -> None:
    """Run one `/consult ...` line. Every outcome is a reply; nothing escapes."""
    sub = None
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
        sub.run(req, tokens[1:])
    except ConsultError as e:
        text = defuse(e.message)  # messages quote what was typed
        usage = (
            e.usage if e.usage is not None else (usage_block(sub) if sub and _is_usage(e) else None)
        )
        if usage:
            text += "\n" + (usage if usage.startswith("Usage") else f"Usage:\n```{usage}```")
        req.out.reply(text)
    except (OperationalError, PoolTimeout, DBAPIError) as e:
        if isinstance(e, DBAPIError) and not (
            e.connection_invalidated or isinstance(e, OperationalError)
        ):
            _internal_error(req, e)
            return
        log.warning("database unavailable: %s", type(e).__name__)
        req.out.reply(
            "Consult can't reach its database just now, so nothing was changed. Please try again in a minute."
        )
    except Exception as e:  # the last line of defence: a clear reply, never silence
        _internal_error(req, e)


def _is_usage(e: ConsultError) -> bool:
    from bot.errors import UsageError

    return isinstance(e, UsageError)


def _internal_error(req: CommandRequest, e: Exception) -> None:
    ref = secrets.token_hex(4)
    log.exception("command failed (ref %s)", ref)
    try:
        req.out.reply(
            f"Sorry, something went wrong on Consult's side and nothing was changed. "
            f"Please try again; if it keeps happening, tell your Consult admin (reference {ref})."
        )
    except Exception:
        log.exception("could not send the error reply (ref %s)", ref)


def load_all() -> None:
    """Import every module of this package so their @subcommand lines run."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


load_all()


def add_listeners(app, services: Services) -> None:
    """Wire `/consult` into a Bolt app: ack first, then the work."""
    from handlers.slack_messenger import SlackMessenger, workspace_admin_check

    @app.command("/consult")
    def consult_callback(ack, body, respond, client, context):
        ack()
        user = body.get("user_id", "")
        dispatch(
            CommandRequest(
                actor=Actor(
                    team_id=context.team_id or body.get("team_id", ""),
                    user_id=user,
                    _is_workspace_admin=workspace_admin_check(client, user),
                ),
                channel_id=body.get("channel_id", ""),
                text=body.get("text", ""),
                services=services,
                out=SlackMessenger(client, respond, body.get("trigger_id")),
                trigger_id=body.get("trigger_id"),
            )
        )
