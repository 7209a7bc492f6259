"""`python app.py audit verify --programme NAME`: is the audit trail as it was written?"""

from __future__ import annotations

from bot.services.audit_trail import describe, verify_trail

from .command import cli_command, find_programme


def _configure(parser) -> None:
    verbs = parser.add_subparsers(dest="audit_verb", required=True, metavar="verify")
    verify = verbs.add_parser(
        "verify", help="walk a programme's hash chain and report the first entry that breaks it"
    )
    verify.add_argument("--programme", required=True, help="the programme's name or channel id")


@cli_command("audit", "Check a programme's audit trail (audit verify --programme NAME)", _configure)
def audit_cli(services, args) -> int:
    programme = find_programme(services, args.programme)
    check = verify_trail(services.new_uow(), programme.id)
    print(describe(check))
    return 0 if check.verdict.intact else 1
