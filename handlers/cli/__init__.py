"""Command-line verbs beyond serve/shell/demo/migrate (which app.py defines itself).

Each is declared with @cli_command (handlers/cli/command.py) in its module;
CLI_COMMANDS lists them, in the order `python app.py --help` shows them.
"""

from __future__ import annotations

from . import (
    audit,
    backup,
    charts,
    evidence,
    export,
    import_practices,
    keys,
    retention,
    scheduler,
    subject_access,
)
from .command import CliCommand

CLI_COMMANDS: dict[str, CliCommand] = {
    fn.cli_command.name: fn.cli_command
    for fn in [
        backup.backup_cli,
        backup.restore_cli,
        charts.charts_cli,
        evidence.evidence_cli,
        export.export_cli,
        import_practices.import_practices_cli,
        keys.rotate_key_cli,
        scheduler.scheduler_cli,
        audit.audit_cli,
        subject_access.subject_access_cli,
        retention.retention_cli,
    ]
}
