"""`/consult export <what>`: a file, uploaded privately to the asker.

What can be exported is the EXPORTS list below: each is a function
`(req, args) -> (filename, content bytes, comment)`, declared with
`@exporter(name, summary)` beside its feature's command, that raises
ConsultError for anything the asker must put right. The command line
(`python app.py export <what> --programme NAME`) runs the same exporters.
"""

from __future__ import annotations

from bot.errors import UsageError
from bot.grammar import closest

from . import engage, evidence, issue, vote
from .subcommand import CommandRequest, Exporter, subcommand

EXPORTS: dict[str, Exporter] = {
    fn.exporter.name: fn.exporter
    for fn in [
        engage.export_engagements,
        vote.export_ballots,
        issue.export_issues,
        evidence.export_not_heard,
    ]
}


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
)
def export_callback(req: CommandRequest, args: list[str]) -> None:
    found = find_exporter(args[0] if args else None)
    filename, content, comment = found.run(req, args[1:])
    req.out.upload(req.actor.user_id, filename, content, filename, comment)
    req.out.reply(f"Sent you {filename} as a direct message from Consult.")
