"""`/consult export <what>`: a file, uploaded privately to the asker.

What can be exported is the catalogue's exports (handlers/commands/__init__.py): each is a function
`(req, args) -> (filename, content bytes, comment)`, declared with
`@exporter(name, summary)` beside its feature's command, that raises
ConsultError for anything the asker must put right. The command line
(`python app.py export <what> --programme NAME`) runs the same exporters.
"""

from __future__ import annotations

from bot.errors import UsageError
from bot.grammar import closest

from .subcommand import CommandRequest, Exporter, subcommand


def usage(exports: dict[str, Exporter]) -> str:
    lines = ["/consult export <what>"]
    lines += [f"  {name}: {exports[name].summary}" for name in sorted(exports)]
    return "\n".join(lines)


def find_exporter(exports: dict[str, Exporter], word: str | None) -> Exporter:
    if not word:
        raise UsageError("Say what to export: " + ", ".join(sorted(exports)) + ".", usage(exports))
    found = exports.get(word.lower())
    if found is None:
        hint = closest(word, exports)
        raise UsageError(
            f"Consult can't export {word[:40]!r}."
            + (f" Did you mean `{hint}`?" if hint else "")
            + " It can export: "
            + ", ".join(sorted(exports))
            + ".",
            usage(exports),
        )
    return found


@subcommand(
    "export",
    summary="Get a CSV file of the programme's records, privately",
    usage="/consult export <what>   (engagements, ...)",
    example="/consult export engagements",
)
def export_callback(req: CommandRequest, args: list[str]) -> None:
    assert req.catalogue is not None, "the dispatcher gives every request the catalogue"
    found = find_exporter(req.catalogue.exports, args[0] if args else None)
    filename, content, comment = found.run(req, args[1:])
    req.out.upload(req.actor.user_id, filename, content, filename, comment)
    req.out.reply(f"Sent you {filename} as a direct message from Consult.")
