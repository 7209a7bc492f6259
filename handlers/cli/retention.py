"""`python app.py retention [--purge-due]`: programmes' retention, and purging what is due."""

from __future__ import annotations

from bot import clock
from bot.services.retention import purge_date, purge_due

from .command import cli_command


def _configure(parser) -> None:
    parser.add_argument(
        "--purge-due",
        action="store_true",
        help="purge now the archived programmes whose retention has passed (after a restore)",
    )


@cli_command(
    "retention", "List archived programmes and their purge dates; --purge-due purges", _configure
)
def retention_cli(services, args) -> int:
    now = clock.now()
    if args.purge_due:
        for entry in purge_due(services.new_uow(), now, by="command line"):
            print(
                f"Purged {entry.programme_name} (archived {entry.archived_at:%Y-%m-%d}): {entry.records}"
            )
    with services.new_uow() as uow:
        for p in uow.retention.archived():
            print(
                f"{p.name}: archived {p.archived_at:%Y-%m-%d}, purge due {purge_date(p):%Y-%m-%d}"
            )
        for entry in uow.retention.purges():
            print(
                f"purged {entry.purged_at:%Y-%m-%d} by {entry.purged_by}: {entry.programme_name} "
                f"(kept {entry.retention_years} years from {entry.archived_at:%Y-%m-%d})"
            )
    return 0
