"""`python app.py charts --programme NAME --out DIR [--format png|svg]`: a programme's charts as
files, for slides or a report (the same pictures as the digest and the evidence pack)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot import charts, clock
from bot.coverage import DEFAULT_DAYS
from bot.services import evidence
from bot.services.coverage import coverage_report

from .command import cli_command, find_programme


def _configure(parser) -> None:
    parser.add_argument("--programme", required=True, help="the programme's name or channel id")
    parser.add_argument(
        "--out", required=True, help="the folder to write the pictures to (made if need be)"
    )
    parser.add_argument("--format", choices=("png", "svg"), default="png")


def programme_charts(services, programme_id: int) -> list[charts.Chart]:
    """The digest's charts (the last 30 days), then the evidence pack's."""
    with services.new_uow() as uow:
        programme = uow.programmes.get(programme_id)
        report = coverage_report(uow, programme, DEFAULT_DAYS, clock.today_in(programme.timezone))
        pack = evidence.compute(evidence.gather(uow, programme))
    recent = charts.coverage_from_report(report)
    found = [
        charts.Chart(**{**recent.__dict__, "name": f"coverage-{DEFAULT_DAYS}-days"}),
    ]
    return found + list(charts.pack_charts(pack).values())


@cli_command("charts", "Write a programme's charts (PNG or SVG) to a folder", _configure)
def charts_cli(services, args) -> int:
    programme = find_programme(services, args.programme)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)  # a new folder is made, as `--out` suggests
    except OSError as e:
        print(f"Can't make the folder {out}: {e.strerror or e}", file=sys.stderr)
        return 2
    for chart in programme_charts(services, programme.id):
        path = out / chart.filename(args.format)
        path.write_bytes(charts.draw(chart, args.format))
        print(f"{path}: {chart.alt}")
    return 0
