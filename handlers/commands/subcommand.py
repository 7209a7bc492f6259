"""What a `/consult` subcommand is: the request it gets, and how it declares itself.

A command module writes `@subcommand(name, summary=..., usage=..., example=...)`
on its callback, and `@exporter(name, summary)` on what `/consult export <what>`
runs. The decorator notes the declaration against its module; the list of
command modules in handlers/commands/__init__.py (the only list) makes every
subcommand and exporter of a listed module reachable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType

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
    # What `/consult` offers (set by the dispatcher): help and export list it.
    catalogue: Catalogue | None = None

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


@dataclass
class Exporter:
    name: str
    summary: str
    run: Callable[[CommandRequest, list[str]], tuple[str, bytes, str]]


@dataclass(frozen=True)
class Catalogue:
    """Every subcommand and export the listed command modules declare, in their order."""

    subcommands: dict[str, Subcommand]
    exports: dict[str, Exporter]

    @classmethod
    def of(cls, modules: list[ModuleType]) -> Catalogue:
        return cls(
            {sub.name: sub for module in modules for sub in subcommands_of(module)},
            {found.name: found for module in modules for found in exporters_of(module)},
        )

    @cached_property
    def aliases(self) -> dict[str, str]:
        return {alias: sub.name for sub in self.subcommands.values() for alias in sub.aliases}

    def find(self, name: str) -> Subcommand | None:
        name = name.lower()
        return self.subcommands.get(self.aliases.get(name, name))


def usage_block(sub: Subcommand) -> str:
    return f"Usage:\n```{sub.usage}```\nExample: `{sub.example}`"


# What each command module declares, by module name, in the order it declares it.
_declared: dict[str, list[Subcommand | Exporter]] = {}


def _declare(fn, declaration: Subcommand | Exporter) -> None:
    _declared.setdefault(fn.__module__, []).append(declaration)


def subcommands_of(module) -> list[Subcommand]:
    """The subcommands `module` declares, in its order."""
    return [d for d in _declared.get(module.__name__, []) if isinstance(d, Subcommand)]


def exporters_of(module) -> list[Exporter]:
    return [d for d in _declared.get(module.__name__, []) if isinstance(d, Exporter)]


def subcommand(name: str, *, summary: str, usage: str, example: str, aliases: tuple[str, ...] = ()):
    """Declares the callback as `/consult <name>` (also set on it, as `callback.subcommand`)."""

    def decorate(fn):
        fn.subcommand = Subcommand(name, summary, usage, example, fn, aliases)
        _declare(fn, fn.subcommand)
        return fn

    return decorate


def exporter(name: str, summary: str):
    """Declares `fn(req, args) -> (filename, content bytes, comment)` as `/consult export <name>`
    (also set on it, as `fn.exporter`)."""

    def decorate(fn):
        fn.exporter = Exporter(name, summary, fn)
        _declare(fn, fn.exporter)
        return fn

    return decorate
