"""`python app.py evidence --programme NAME --out FILE`: write the evidence pack (HTML)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.services.evidence import build_pack_html

from . import cli_command, find_programme


def _configure(parser) -> None:
    parser.add_argument("--programme", required=True, help="the programme's name or channel id")
    parser.add_argument(
        "--out", required=True, help="the HTML file to write (- for standard output)"
    )


@cli_command("evidence", "Write a programme's evidence pack (printable HTML) to a file", _configure)
def evidence_cli(services, args) -> int:
    programme = find_programme(services, args.programme)
    _, html = build_pack_html(services.uow, programme.id)
    if args.out == "-":
        sys.stdout.write(html)
        return 0
    out = Path(args.out)
    if out.parent and not out.parent.is_dir():
        print(f"No such folder: {out.parent}", file=sys.stderr)
        return 2
    out.write_text(html, encoding="utf-8")
    print(
        f"Wrote the evidence pack for {programme.name} to {out} ({len(html.encode('utf-8')):,} bytes)."
    )
    return 0
