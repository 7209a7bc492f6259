"""Command-line subcommands beyond serve/shell/demo, one module each.

A module declares `@cli_command(name, help)` on a function taking
(services, args), and `arguments(parser)` via the `configure` keyword.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class CliCommand:
    name: str
    help: str
    configure: Callable  # (argparse parser) -> None
    run: Callable  # (services, args) -> int
    migrate: bool = True  # False: the command gets the database as it is (restore)


CLI_COMMANDS: dict[str, CliCommand] = {}


def cli_command(
    name: str, help: str, configure: Callable = lambda parser: None, migrate: bool = True
):
    def decorate(fn):
        CLI_COMMANDS[name] = CliCommand(name, help, configure, fn, migrate)
        return fn

    return decorate


def find_programme(services, name: str):
    """`--programme NAME`: the programme's name or its channel id."""
    with services.uow() as uow:
        matches = uow.programmes.by_name_or_channel(name)
    if not matches:
        raise SystemExit(f"No programme is called {name!r} (give its name or its channel id).")
    if len(matches) > 1:
        raise SystemExit(f"Several programmes match {name!r}; give the channel id instead.")
    return matches[0]


def load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
