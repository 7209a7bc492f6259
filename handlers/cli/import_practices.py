"""`python app.py import-practices FILE... --programme NAME [--commissioner CODE] [--dry-run] [--overwrite]`."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.context import Actor
from bot.errors import ConsultError
from bot.services.stakeholders import import_practices
from handlers.commands.stakeholder import import_summary

from .command import cli_command, find_programme


def _configure(parser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        help="epraccur.csv, gp-reg-pat-prac-all.csv or code,name,list_size,group CSV",
    )
    parser.add_argument("--programme", required=True, help="the programme's name or channel id")
    parser.add_argument("--commissioner", help="CCG code to keep from epraccur.csv (e.g. 08G)")
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be added and changed; store nothing"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="take the files' values even where someone changed them by hand since the last import",
    )


@cli_command(
    "import-practices", "Add or update member practices from NHS Digital files or a CSV", _configure
)
def import_practices_cli(services, args) -> int:
    programme = find_programme(services, args.programme)
    files = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"No such file: {name}", file=sys.stderr)
            return 2
        files.append((path.name, path.read_bytes()))
    # The command line is the operator's: it acts with an admin's rights.
    actor = Actor(team_id=programme.team_id, user_id="command-line", _is_workspace_admin=True)
    try:
        report = import_practices(
            actor,
            programme.id,
            files,
            services.new_uow(),
            commissioner=args.commissioner,
            dry_run=args.dry_run,
            overwrite=args.overwrite,
        )
    except ConsultError as e:
        print(e.message, file=sys.stderr)
        return 1
    print(
        f"{programme.name}: "
        + import_summary(", ".join(n for n, _ in files), report, "--overwrite")
    )
    return 0
