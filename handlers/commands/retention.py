"""`/consult retention [<N> years | keep | archive | reopen]`."""

from __future__ import annotations

from bot.dates import format_date
from bot.errors import UsageError
from bot.rendering import esc
from bot.services.retention import (
    archive_programme,
    read_years,
    reopen_programme,
    set_retention,
    show_retention,
)

from .subcommand import CommandRequest, subcommand

USAGE = "/consult retention [<N> years | keep | archive | reopen]"


def _describe(r) -> str:
    p = r.programme
    kept = (
        f"kept {p.retention_years} years after it is archived"
        if p.retention_years
        else "kept until someone sets how long (`/consult retention 6 years`)"
    )
    if p.archived_at is None:
        state = "open"
    elif r.purge_on:
        state = (
            f"archived on {format_date(p.archived_at.date())}; purged on {format_date(r.purge_on)}"
        )
    else:
        state = f"archived on {format_date(p.archived_at.date())}"
    return f"*{esc(p.name)}* is {state}, and {kept}."


@subcommand(
    "retention",
    summary="How long the programme is kept; archive it when finished (admins change it)",
    usage=USAGE,
    example="/consult retention 6 years",
)
def retention_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        req.out.reply(_describe(show_retention(req.actor, req.channel_id, req.uow)))
        return
    verb = args[0].lower()
    if verb in ("archive", "reopen", "keep") and len(args) == 1:
        if verb == "archive":
            r = archive_programme(req.actor, req.channel_id, req.uow)
            req.out.post(
                req.channel_id,
                f"<@{req.actor.user_id}> archived this programme: no more reminders or digests."
                + (f" It will be purged on {format_date(r.purge_on)}." if r.purge_on else ""),
            )
        elif verb == "reopen":
            r = reopen_programme(req.actor, req.channel_id, req.uow)
        else:
            r = set_retention(req.actor, req.channel_id, None, req.uow)
        req.out.reply(_describe(r))
        return
    if len(args) in (1, 2) and (len(args) == 1 or args[1].lower() in ("year", "years")):
        r = set_retention(req.actor, req.channel_id, read_years(args[0]), req.uow)
        req.out.reply(_describe(r))
        return
    raise UsageError("Say how many years to keep it, or keep, archive or reopen.", USAGE)
