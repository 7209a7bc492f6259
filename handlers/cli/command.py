"""What a command-line verb is (`python app.py <verb>`), and how it declares itself.

A module in handlers/cli writes `@cli_command(name, help, configure)` on a
function `(services, args) -> int`; the list in handlers/cli/__init__.py is
what makes it a verb.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.grammar import closest


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
    """`--programme NAME`: the programme's name or its channel id, or enough of its name to
    be unique (any case), as stakeholders are named in Slack; otherwise the ones it knows."""
    wanted = " ".join(name.split()).lower()
    with services.new_uow() as uow:
        matches = uow.programmes.by_name_or_channel(" ".join(name.split()))
        every = uow.programmes.all()
    if not matches and wanted:
        matches = [p for p in every if wanted in p.name.lower()]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise SystemExit(
            f"Several programmes match {name!r}; give more of the name, or the channel id:\n"
            + "\n".join(f"  {p.name} (channel {p.channel_id})" for p in matches[:20])
        )
    if not every:
        raise SystemExit("There is no programme yet: set one up in Slack or the shell first.")
    hint = closest(wanted, {p.name.lower(): p for p in every})
    named = next((p.name for p in every if p.name.lower() == hint), None)
    raise SystemExit(
        f"No programme is called {name!r}."
        + (f" Did you mean {named!r}?" if named else "")
        + " Programmes:\n"
        + "\n".join(f"  {p.name} (channel {p.channel_id})" for p in every[:20])
        + (f"\n  …and {len(every) - 20} more" if len(every) > 20 else "")
    )
