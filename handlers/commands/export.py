"""`/consult export <what>`: a file, uploaded privately to the asker.

Features add what can be exported with `@exporter(name, summary)` on a
function `(req, args) -> (filename, content bytes, comment)`; the function
raises ConsultError for anything the asker must put right. The command line
(`python app.py export <what> --programme NAME`) runs the same exporters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import UsageError
from bot.grammar import closest

from . import CommandRequest, subcommand


@dataclass
class Exporter:
    name: str
    summary: str
    run: Callable[[CommandRequest, list[str]], tuple[str, bytes, str]]


EXPORTS: dict[str, Exporter] = {}


def exporter(name: str, summary: str):
    def decorate(fn):
        EXPORTS[name] = Exporter(name, summary, fn)
        return fn

    return decorate


def usage() -> str:
    lines = ["/consult export <what>"]
    lines += [f"  {name}: {EXPORTS[name].summary}" for name in sorted(EXPORTS)]
    return "\n".join(lines)


def find_exporter(word: str | None) -> Exporter:
    if not word:
        raise UsageError("Say what to export: " + ", ".join(sorted(EXPORTS)) + ".", usage())
    found = EXPORTS.get(word.lower())
    if found is None:
        hint = closest(word, EXPORTS)
        raise UsageError(
            f"Consult can't export {word[:40]!r}."
            + (f" Did you mean `{hint}`?" if hint else "")
            + " It can export: "
            + ", ".join(sorted(EXPORTS))
            + ".",
            usage(),
        )
    return found


@subcommand(
    "export",
    summary="Get a CSV file of the programme's records, privately",
    usage="/consult export <what>   (engagements, ...)",
    example="/consult export engagements",
    order=90,
)
def export_callback(req: CommandRequest, args: list[str]) -> None:
    found = find_exporter(args[0] if args else None)
    filename, content, comment = found.run(req, args[1:])
    req.out.upload(req.actor.user_id, filename, content, filename, comment)
    req.out.reply(f"Sent you {filename} as a direct message from Consult.")
