"""`python app.py backup --out FILE` and `python app.py restore FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

from storage.backup import BackupError, backup, restore

from .command import cli_command


def _figures(counts: dict[str, int]) -> str:
    names = {
        "programme": "programmes",
        "stakeholder": "stakeholders",
        "engagement": "engagements",
        "ballot": "ballots",
        "audit_event": "audit entries",
    }
    return ", ".join(f"{counts.get(t, 0):,} {label}" for t, label in names.items())


def _configure_backup(parser) -> None:
    parser.add_argument(
        "--out", required=True, help="the file to write (replaced only once the backup is whole)"
    )


@cli_command(
    "backup",
    "Write a consistent snapshot of the database to a file, while Consult runs",
    _configure_backup,
)
def backup_cli(services, args) -> int:
    out = Path(args.out)
    try:
        snapshot = backup(services.engine, out)
    except BackupError as e:
        print(f"No backup was written: {e}", file=sys.stderr)
        return 2
    print(
        f"Backed up the {snapshot.engine} database (schema {snapshot.schema}: "
        f"{_figures(snapshot.counts)}) to {out} ({out.stat().st_size:,} bytes)."
    )
    return 0


def _configure_restore(parser) -> None:
    parser.add_argument("file", help="a file written by `app.py backup`")


@cli_command(
    "restore",
    "Restore a backup into the empty database at DATABASE_URL",
    _configure_restore,
    migrate=False,
)
def restore_cli(services, args) -> int:
    try:
        snapshot = restore(services.engine, Path(args.file))
    except BackupError as e:
        print(f"Not restored: {e}", file=sys.stderr)
        return 2
    print(
        f"Restored {args.file} (schema {snapshot.schema}: {_figures(snapshot.counts)}); "
        "the database is at the current schema."
    )
    return 0
