"""What a command-line verb is (`python app.py <verb>`), and how it declares itself.

A module in handlers/cli writes `@cli_command(name, help, configure)` on a
function `(services, args) -> int`; the list in handlers/cli/__init__.py is
what makes it a verb.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class CliCommand:
    name: str
    help: str
    configure: Callable  # (argparse parser) -> None
    run: Callable  # (services, args) -> int
    migrate: bool = True  # False: the command gets the database as it is (restore)


def cli_command(
    name: str, help: str, configure: Callable = lambda parser: None, migrate: bool = True
):
    """Declares the function's verb on it, as `fn.cli_command`."""

    def decorate(fn):
        fn.cli_command = CliCommand(name, help, configure, fn, migrate)
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
