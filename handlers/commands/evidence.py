"""`/consult evidence`: the evidence pack, sent privately to the admin who asks."""

from __future__ import annotations

from bot.errors import UsageError
from bot.rendering import esc
from bot.services import evidence as svc

from .subcommand import CommandRequest, exporter, subcommand

USAGE = """/consult evidence        # admins: the evidence pack (HTML, printable), sent to you privately
/consult evidence pdf    # the same as an A4 PDF (tagged, accessible), ready to attach to board papers
/consult evidence docx   # the same as a Word file, to put into a board paper"""

HOW = {
    "pdf": "an A4 PDF with a contents page, bookmarks, page numbers and the fingerprint on every "
    "page, tagged for screen readers, ready to attach to a submission or a board report",
    "docx": "a Word file with the same sections as headings, the tables as Word tables and the "
    "fingerprint in the footer, to put into a board paper from your template",
    "html": "open it in a browser and print it, or save it as PDF, to attach to a submission "
    "or a board report (`/consult evidence pdf` makes the PDF for you, `/consult evidence docx` "
    "a Word file)",
}


@subcommand(
    "evidence",
    summary="The evidence pack for a submission or an HWBB report (admins)",
    usage=USAGE,
    example="/consult evidence pdf",
)
def evidence_callback(req: CommandRequest, args: list[str]) -> None:
    fmt = args[0].lower() if args else "html"
    if len(args) > 1 or fmt not in svc.FORMATS:
        raise UsageError(
            "`/consult evidence` takes nothing (HTML), `pdf` or `docx`, "
            "e.g. `/consult evidence pdf` or `/consult evidence docx`."
        )
    programme, filename, content = svc.evidence_pack(req.actor, req.channel_id, req.uow, fmt)
    how = HOW[fmt]
    req.out.upload(
        req.actor.user_id,
        filename,
        content,
        f"Evidence pack: {programme.name}",
        f"The evidence pack for *{esc(programme.name)}*: {how}.",
    )
    req.out.reply(
        f"I've sent you the evidence pack for *{esc(programme.name)}* in a direct message ({filename})."
    )


@exporter(
    "not-heard",
    "who did not respond: each closed vote's non-voting practices, and stakeholders never engaged",
)
def export_not_heard(req: CommandRequest, args: list[str]):
    if args:
        raise UsageError("`/consult export not-heard` takes nothing more.")
    programme, content, comment = svc.not_heard_csv(req.actor, req.channel_id, req.uow)
    safe = (
        "".join(c if c.isalnum() else "-" for c in programme.name.lower()).strip("-")[:60]
        or "programme"
    )
    return f"{safe}-not-heard.csv", content, comment
