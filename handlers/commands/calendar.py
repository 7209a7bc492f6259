"""`/consult calendar [mine] [rotate] | status`: private calendar feed addresses for Outlook and friends."""

from __future__ import annotations

from bot.dates import format_date, format_datetime
from bot.errors import UsageError
from bot.grammar import choice
from bot.rendering import esc
from bot.services import calendar as svc

from .subcommand import CommandRequest, subcommand

USAGE = """/consult calendar            # your address of the programme's calendar
/consult calendar mine       # a calendar of the deadlines, actions and duties you own
/consult calendar rotate     # admins: a new address; every earlier one stops working at once
/consult calendar mine rotate  # a new personal address; your earlier ones stop working
/consult calendar status     # admins: which addresses are live and when each was last fetched"""


def subscribe_text(issued: svc.IssuedFeed) -> str:
    what = (
        "your own deadlines, actions and duties in"
        if issued.kind == svc.PERSONAL
        else "the calendar of"
    )
    lines = [
        f"Here is a private address of {what} *{esc(issued.programme_name)}*. Keep it to yourself: "
        "anyone who has it can read the calendar.",
        issued.web,
        issued.webcal,
        f"Step by step for Outlook on the web and the desktop, Google and Apple (open it in a browser): {issued.page}",
        "*Subscribe* (don't import: an imported copy never updates):",
        "• *Outlook*: Add calendar > Subscribe from web, paste the first address, name it, Import.",
        "• *Google Calendar*: Other calendars + > From URL, paste the first address, Add calendar.",
        "• *Apple Calendar*: File > New Calendar Subscription on a Mac, paste the first address; "
        "on an iPhone or iPad, tap the webcal:// address.",
        "Changes reach your calendar when it next refreshes, and Outlook decides when that is: "
        "Microsoft's servers refresh subscribed calendars every few hours (Google's up to a day), "
        "so a change may take hours to show.",
        "Consult shows this address only now; it keeps just a fingerprint of it. Asking again gives you "
        "another address, and this one keeps working"
        + (
            " until you run `/consult calendar mine rotate`."
            if issued.kind == svc.PERSONAL
            else " until an admin runs `/consult calendar rotate`."
        ),
    ]
    if issued.turned_off and not issued.rotated:
        lines.append(
            f"You had {svc.MAX_LIVE_PER_PERSON} addresses already, so your least used one "
            f"(made {format_date(issued.turned_off[0].created_at.date())}) was turned off."
        )
    return "\n".join(lines)


def _when(moment, tz: str) -> str:
    return format_datetime(moment, tz) if moment else "never"


@subcommand(
    "calendar",
    summary="Subscribe to the programme's key dates from Outlook, Google or Apple Calendar",
    usage=USAGE,
    example="/consult calendar",
)
def calendar_callback(req: CommandRequest, args: list[str]) -> None:
    words = [choice(a, ["mine", "rotate", "status"], "calendar command", USAGE) for a in args]
    base = req.services.settings.public_base_url
    if words == []:
        req.out.reply(subscribe_text(svc.issue_feed(req.actor, req.channel_id, req.uow, base)))
    elif words == ["mine"]:
        req.out.reply(
            subscribe_text(svc.issue_feed(req.actor, req.channel_id, req.uow, base, personal=True))
        )
    elif words == ["rotate"]:
        issued = svc.rotate_feed(req.actor, req.channel_id, req.uow, base)
        n = len(issued.turned_off)
        req.out.reply(
            f"Done: {n} earlier address{'es' if n != 1 else ''} of the calendar stopped working.\n"
            + subscribe_text(issued)
        )
        req.out.post(
            req.channel_id,
            f"<@{req.actor.user_id}> replaced the address of this programme's calendar feed: calendars "
            "subscribed to the old address no longer update. Run `/consult calendar` for a new address "
            "and subscribe to it instead.",
        )
    elif words == ["mine", "rotate"] or words == ["rotate", "mine"]:
        issued = svc.rotate_feed(req.actor, req.channel_id, req.uow, base, personal=True)
        n = len(issued.turned_off)
        req.out.reply(
            f"Done: {n} earlier personal address{'es' if n != 1 else ''} stopped working.\n"
            + subscribe_text(issued)
        )
    elif words == ["status"]:
        programme, feeds = svc.feed_status(req.actor, req.channel_id, req.uow)
        if not feeds:
            req.out.reply(
                f"*{esc(programme.name)}* has no live calendar addresses. `/consult calendar` makes one."
            )
            return
        lines = [
            f"*{esc(programme.name)}*: {len(feeds)} live calendar address{'es' if len(feeds) != 1 else ''}"
            f" (times {programme.timezone})"
        ]
        for f in feeds:
            what = "personal" if f.kind == svc.PERSONAL else "programme"
            lines.append(
                f"• #{f.feed_id} {what}, <@{f.user_id}>, made {format_date(f.created_at.date())}: "
                f"last fetched {_when(f.last_fetched_at, programme.timezone)}, "
                f"{f.fetch_count:,} fetch{'es' if f.fetch_count != 1 else ''}"
            )
        req.out.reply("\n".join(lines))
    else:
        raise UsageError("Say `/consult calendar`, `mine`, `rotate`, `mine rotate` or `status`.")
