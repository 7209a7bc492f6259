"""`python app.py subject-access --user ID | --stakeholder NAME --programme NAME`."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.errors import ConsultError
from bot.services.people import subject_access
from storage.personal_data import to_json

from .command import cli_command, find_programme


def _configure(parser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="a Slack user id (U0123ABCD)")
    who.add_argument("--stakeholder", help="a stakeholder's code or name (needs --programme)")
    parser.add_argument("--programme", help="the programme's name or channel id")
    parser.add_argument("--team", help="only this Slack workspace (team id); default: all")
    parser.add_argument(
        "--out", default="-", help="the JSON file to write (default: standard output)"
    )


@cli_command(
    "subject-access",
    "Export everything held about a person (a Slack user) or a stakeholder, as JSON",
    _configure,
)
def subject_access_cli(services, args) -> int:
    programme = find_programme(services, args.programme) if args.programme else None
    if args.stakeholder and programme is None:
        print(
            "--stakeholder needs --programme: a stakeholder belongs to one programme.",
            file=sys.stderr,
        )
        return 2
    try:
        found = subject_access(
            services.new_uow(),
            user_id=args.user.strip().strip("<@>") if args.user else None,
            stakeholder=args.stakeholder,
            programme=programme,
            team=args.team,
        )
    except ConsultError as e:
        print(e.message, file=sys.stderr)
        return 2
    document = to_json(found) + "\n"
    if args.out == "-":
        sys.stdout.write(document)
    else:
        Path(args.out).write_text(document, encoding="utf-8")
        Path(args.out).chmod(0o600)
        rows = sum(len(v) for v in found["held"].values())
        print(f"Wrote {rows:,} records from {len(found['held'])} tables to {args.out}.")
    return 0
