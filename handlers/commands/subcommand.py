"""What a `/consult` subcommand is: the request it gets, and how it declares itself.

A command module writes `@subcommand(name, summary=..., usage=..., example=...)`
on its callback; the list in handlers/commands/__init__.py is what makes it
reachable. `@exporter` does the same for `/consult export <what>`, listed in
handlers/commands/export.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from bot.context import Actor
from bot.messenger import Messenger
from bot.ports import UnitOfWork
from bot.services.container import Services


@dataclass
class CommandRequest:
    actor: Actor
    channel_id: str
    text: str
    services: Services
    out: Messenger
    trigger_id: str | None = None

    @cached_property
    def uow(self) -> UnitOfWork:
        """This request's unit of work, not yet open: each service opens it for its transaction."""
        return self.services.new_uow()


Callback = Callable[[CommandRequest, list[str]], None]


@dataclass
class Subcommand:
    name: str
    summary: str
    usage: str
    example: str
    run: Callback
    aliases: tuple[str, ...] = ()


def subcommand(name: str, *, summary: str, usage: str, example: str, aliases: tuple[str, ...] = ()):
    """Declares the callback's subcommand on it, as `callback.subcommand`."""

    def decorate(fn):
        fn.subcommand = Subcommand(name, summary, usage, example, fn, aliases)
        return fn

    return decorate


@dataclass
class Exporter:
    name: str
    summary: str
    run: Callable[[CommandRequest, list[str]], tuple[str, bytes, str]]


def exporter(name: str, summary: str):
    """Declares `fn(req, args) -> (filename, content bytes, comment)` as `fn.exporter`."""

    def decorate(fn):
        fn.exporter = Exporter(name, summary, fn)
        return fn

    return decorate
