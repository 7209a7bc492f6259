"""`python app.py evidence --programme NAME [--format html|pdf|docx] --out FILE`: the evidence pack."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.pdf import PdfUnavailable
from bot.services.evidence import FORMATS, build_pack_docx, build_pack_html, build_pack_pdf

from .command import cli_command, find_programme


def _configure(parser) -> None:
    parser.add_argument("--programme", required=True, help="the programme's name or channel id")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="html",
        help="html (printable in a browser, the default), pdf (A4, tagged PDF/UA-1, ready to "
        "attach) or docx (Word, to put into a board paper)",
    )
    parser.add_argument("--out", required=True, help="the file to write (- for standard output)")


@cli_command(
    "evidence",
    "Write a programme's evidence pack (printable HTML, PDF or Word) to a file",
    _configure,
)
def evidence_cli(services, args) -> int:
    programme = find_programme(services, args.programme)
    out = None if args.out == "-" else Path(args.out)
    if out is not None and out.parent and not out.parent.is_dir():
        print(f"No such folder: {out.parent}", file=sys.stderr)
        return 2
    if args.format == "pdf":
        try:
            _, content = build_pack_pdf(services.new_uow(), programme.id)
        except PdfUnavailable as e:
            print(e.message, file=sys.stderr)
            return 1
    elif args.format == "docx":
        _, content = build_pack_docx(services.new_uow(), programme.id)
    else:
        _, html = build_pack_html(services.new_uow(), programme.id)
        content = html.encode("utf-8")
    if out is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return 0
    out.write_bytes(content)
    print(
        f"Wrote the evidence pack ({args.format.upper()}) for {programme.name} to {out} "
        f"({len(content):,} bytes)."
    )
    return 0
