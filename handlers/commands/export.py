"""`/consult export <what>`: a file, uploaded privately to the asker.

What can be exported is EXPORTS (handlers/commands/__init__.py): each is a function
`(req, args) -> (filename, content bytes, comment)`, declared with
`@exporter(name, summary)` beside its feature's command, that raises
ConsultError for anything the asker must put right. The command line
(`python app.py export <what> --programme NAME`) runs the same exporters.
"""

from __future__ import annotations

from bot.errors import UsageError
from bot.grammar import closest

from .subcommand import CommandRequest, Exporter, subcommand


def usage() -> str:
    from . import EXPORTS  # what the command modules declare, gathered once they are all read

    lines = ["/consult export <what>"]
    lines += [f"  {name}: {EXPORTS[name].summary}" for name in sorted(EXPORTS)]
    return "\n".join(lines)


def find_exporter(word: str | None) -> Exporter:
    from . import EXPORTS

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
)
def export_callback(req: CommandRequest, args: list[str]) -> None:
    found = find_exporter(args[0] if args else None)
    filename, content, comment = found.run(req, args[1:])
    req.out.upload(req.actor.user_id, filename, content, filename, comment)
    req.out.reply(f"Sent you {filename} as a direct message from Consult.")
