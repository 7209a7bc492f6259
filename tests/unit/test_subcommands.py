"""Every `/consult` subcommand and export a command module declares is reachable: listed in
COMMAND_MODULES, dispatched by its name, shown by `/consult help`."""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import handlers.commands as commands
from bot.context import Actor
from handlers.commands import EXPORTS, SUBCOMMANDS, CommandRequest, dispatch
from handlers.commands.subcommand import exporter, exporters_of, subcommand, subcommands_of


class Said:
    def __init__(self):
        self.replies: list[str] = []

    def reply(self, text, blocks=None, fallback_blocks=None):
        self.replies.append(text)


def run(line: str) -> list[str]:
    out = Said()
    dispatch(CommandRequest(Actor("T1", "UADMIN"), "C1", line, services=None, out=out))
    return out.replies


def every_command_module():
    """Every module of the package, listed or not (a test may scan; the app never does)."""
    for info in pkgutil.iter_modules(commands.__path__):
        yield importlib.import_module(f"{commands.__name__}.{info.name}")


def declared_but_unlisted(modules) -> list[str]:
    return [
        f"{module.__name__}: {found.name}"
        for module in modules
        for found in [*subcommands_of(module), *exporters_of(module)]
        if SUBCOMMANDS.get(found.name) is not found and EXPORTS.get(found.name) is not found
    ]


def test_every_declared_subcommand_and_export_is_listed():
    assert declared_but_unlisted(every_command_module()) == []


def test_a_subcommand_declared_in_an_unlisted_module_is_caught():
    stray = types.ModuleType("handlers.commands.stray")
    exec(
        "@subcommand('stray', summary='s', usage='/consult stray', example='/consult stray')\n"
        "def stray_callback(req, args): pass\n"
        "@exporter('strays', 'every stray')\n"
        "def export_strays(req, args): pass\n",
        {"__name__": stray.__name__, "subcommand": subcommand, "exporter": exporter},
    )
    assert declared_but_unlisted([stray]) == [
        "handlers.commands.stray: stray",
        "handlers.commands.stray: strays",
    ]


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_each_subcommand_is_reached_by_its_name_and_its_aliases(name, monkeypatch):
    sub = SUBCOMMANDS[name]
    reached = []
    monkeypatch.setattr(sub, "run", lambda req, args: reached.append(args))
    for word in [name, *sub.aliases]:
        run(f"{word} one two")
    assert reached == [["one", "two"]] * (1 + len(sub.aliases))


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_each_subcommand_is_in_help(name):
    [listing] = run("help")
    assert f"• `/consult {name}`: {SUBCOMMANDS[name].summary}" in listing
    [explained] = run(f"help {name}")
    assert explained.startswith(f"*/consult {name}*: ")


def test_every_export_is_offered_by_export():
    offered = commands.export.usage(commands.EXPORTS)
    for name, found in EXPORTS.items():
        assert f"  {name}: {found.summary}" in offered
        assert commands.export.find_exporter(commands.EXPORTS, name) is found
