"""`python app.py export <what> --programme NAME`: the same CSV as `/consult export`, on standard output."""

from __future__ import annotations

import sys

from bot.context import Actor
from bot.errors import ConsultError

from .command import cli_command, find_programme


class _Quiet:
    """Exporters only return their file; anything they would say goes to standard error."""

    def reply(self, text, blocks=None, fallback_blocks=None):
        print(text, file=sys.stderr)

    post = dm = open_modal = upload = lambda self, *args, **kwargs: None


def _configure(parser) -> None:
    from handlers.commands import EXPORTS

    parser.add_argument("what", choices=sorted(EXPORTS), help="what to export")
    parser.add_argument("--programme", required=True, help="the programme's name or channel id")
    parser.add_argument(
        "rest",
        nargs="*",
        default=[],  # optional: without a default, argparse calls it required
        help="anything the export takes after its name (as in Slack)",
    )


@cli_command(
    "export", "Write a CSV export (e.g. engagements) of a programme to standard output", _configure
)
def export_cli(services, args) -> int:
    from handlers.commands import CATALOGUE, CommandRequest
    from handlers.commands.export import find_exporter

    programme = find_programme(services, args.programme)
    # The command line is the operator's: it acts with an admin's rights, in the programme's channel.
    actor = Actor(team_id=programme.team_id, user_id="command-line", _is_workspace_admin=True)
    req = CommandRequest(
        actor=actor,
        channel_id=programme.channel_id,
        text="",
        services=services,
        out=_Quiet(),
        catalogue=CATALOGUE,
    )
    try:
        filename, content, comment = find_exporter(CATALOGUE.exports, args.what).run(
            req, list(args.rest)
        )
    except ConsultError as e:
        print(e.message, file=sys.stderr)
        return 1
    sys.stdout.flush()
    sys.stdout.buffer.write(content)
    sys.stdout.buffer.flush()
    print(comment, file=sys.stderr)
    return 0
