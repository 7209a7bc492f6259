"""`/consult digest [now]`, `digest schedule ...`, `digest follow|unfollow <#channel>`."""

from __future__ import annotations

from datetime import timedelta

from blocks.digest import digest_messages, ephemeral_messages, render_content
from blocks.kit import section
from blocks.personal_digest import personal_digest_message
from bot import clock
from bot.dates import WEEKDAYS, format_date, format_datetime, parse_time
from bot.digest import parse_weekday
from bot.errors import UsageError
from bot.grammar import channel_id, choice
from bot.rendering import esc
from bot.services import digests as svc
from bot.services import personal_digests
from bot.services.pictures import shared_picture

from .subcommand import CommandRequest, subcommand

USAGE = """/consult digest [now]                          the digest as of now, shown only to you
/consult digest schedule                       when it is posted, and which channels follow it
/consult digest schedule <weekday> <HH:MM>     post it on another day or time (admins)
/consult digest schedule off                   stop the weekly post (admins)
/consult digest follow <#channel>              add this programme to that channel's weekly roll-up (admins)
/consult digest unfollow <#channel>            take it out again (admins)
/consult digest me                             your own digest: its setting, and what it says now
/consult digest me daily|weekly [<day>]|off    get your own digest as a direct message (or stop it)"""

VERBS = ["now", "schedule", "follow", "unfollow", "me"]


@subcommand(
    "digest",
    summary="The weekly digest: see it now, change when it is posted, roll-ups; your own digest",
    usage=USAGE,
    example="/consult digest schedule monday 09:00",
)
def digest_callback(req: CommandRequest, args: list[str]) -> None:
    verb = choice(args[0], VERBS, "digest command", USAGE) if args else "now"
    rest = args[1:]
    if verb == "now":
        if rest:
            raise UsageError("`/consult digest now` takes nothing after it.")
        messages, plain = [], []
        for shown in svc.show_digest(req.actor, req.channel_id, req.uow):
            rendered = render_content(shown.content)
            # The weekly digest's charts, each uploaded once per distinct picture; text bars
            # for any that cannot be, and for all of them if Slack will not show the images.
            images = {
                p.name: file_id
                for p in rendered.pictures
                if (file_id := shared_picture(req.uow, req.out, shown.programme_id, p.chart))
            }
            messages += digest_messages(rendered, images=images)
            plain += digest_messages(rendered)
        fallbacks = ephemeral_messages(plain) if len(plain) == len(messages) else []
        for n, message in enumerate(ephemeral_messages(messages)):
            fallback = fallbacks[n].blocks if n < len(fallbacks) else None
            req.out.reply(message.text, message.blocks, fallback_blocks=fallback)
    elif verb == "schedule":
        schedule(req, rest)
    elif verb == "me":
        personal(req, rest)
    else:
        if len(rest) != 1:
            raise UsageError(f"Name the channel, e.g. `/consult digest {verb} #area-team`.")
        follower = channel_id(rest[0])
        if verb == "follow":
            programme, followed = svc.follow_digest(req.actor, req.channel_id, follower, req.uow)
            names = ", ".join(f"*{esc(p.name)}*" for p in followed)
            when = svc.rollup_schedule(req.services.settings.timezone).describe()
            req.out.reply(
                f"<#{follower}> now gets a weekly roll-up, posted {when}, with a line for "
                f"*{esc(programme.name)}*. It follows: {names}. Consult must be a member of that "
                "channel to post there: invite it with `/invite @Consult`."
            )
        else:
            programme = svc.unfollow_digest(req.actor, req.channel_id, follower, req.uow)
            req.out.reply(f"*{esc(programme.name)}* is no longer in <#{follower}>'s roll-up.")


ME_USAGE = "/consult digest me daily|weekly [<day>]|off"


def personal(req: CommandRequest, rest: list[str]) -> None:
    tz = req.services.settings.timezone
    if not rest:
        setting = personal_digests.personal_setting(req.actor, req.uow)
        d = personal_digests.show_personal(req.actor, req.uow, tz)
        lines = [describe_personal(setting)]
        if d.empty:
            lines.append("Right now there is nothing for you: no digest would be sent.")
            req.out.reply("\n".join(lines))
            return
        text, blocks = personal_digest_message(d, setting.frequency)
        req.out.reply("\n".join(lines) + "\n" + text, [section("\n".join(lines))] + blocks)
        return
    frequency = choice(rest[0], ["daily", "weekly", "off"], "digest frequency", ME_USAGE)
    weekday = 0
    if frequency == "weekly" and len(rest) == 2:
        weekday = parse_weekday(rest[1])
        if weekday is None:
            raise UsageError(
                f"{rest[1][:40]!r} is not a weekday. Use one of: {', '.join(WEEKDAYS)}.", ME_USAGE
            )
    elif len(rest) != 1:
        raise UsageError(
            "Say `daily`, `weekly` (and a day, e.g. `weekly friday`) or `off`.", ME_USAGE
        )
    setting = personal_digests.set_personal_digest(
        req.actor, req.channel_id, frequency, req.uow, weekday=weekday, default_timezone=tz
    )
    req.out.reply(describe_personal(setting))


def describe_personal(s) -> str:
    if s.frequency == "off":
        return (
            "Your own digest is off. `/consult digest me daily` or `weekly [<day>]` sends you, as "
            "a direct message, your open actions, the deadlines and duties you own in the next two "
            "weeks, the votes you can still cast and the issues you own."
        )
    return (
        f"Your own digest comes {s.describe()} ({s.timezone}) as a direct message from Consult: "
        "your open actions, the deadlines and duties you own in the next two weeks, the votes you "
        "can still cast and the issues you own, across your programmes. Nothing is sent when "
        f"there is nothing. Next: {format_date(s.next_at.date())} at {s.next_at:%H:%M}. "
        "`/consult digest me off` stops it."
    )


def schedule(req: CommandRequest, rest: list[str]) -> None:
    if not rest:
        req.out.reply(describe(svc.digest_settings(req.actor, req.channel_id, req.uow)))
        return
    if len(rest) == 1 and rest[0].lower() == "off":
        settings = svc.stop_digest(req.actor, req.channel_id, req.uow)
        req.out.post(
            req.channel_id,
            f"<@{req.actor.user_id}> turned off the weekly digest. "
            "`/consult digest now` still shows it on demand.",
        )
        req.out.reply(describe(settings))
        return
    if len(rest) != 2:
        raise UsageError("Give a weekday and a time, e.g. `monday 09:00`, or `off`.")
    weekday = parse_weekday(rest[0])
    if weekday is None:
        raise UsageError(f"{rest[0][:40]!r} is not a weekday. Use one of: {', '.join(WEEKDAYS)}.")
    hhmm = parse_time(rest[1])
    settings = svc.schedule_digest(req.actor, req.channel_id, weekday, hhmm, req.uow)
    req.out.post(
        req.channel_id,
        f"<@{req.actor.user_id}> set the weekly digest to {settings.schedule.describe()}.",
    )
    req.out.reply(describe(settings))


def describe(s: svc.DigestSettings) -> str:
    lines = [
        f"*{esc(s.programme_name)}*: the weekly digest is "
        + (f"posted {s.schedule.describe()}." if s.schedule.enabled else "off.")
    ]
    if s.next_at is not None and s.next_at <= clock.now() + timedelta(minutes=1):
        lines.append("This week's is due now and goes out within a minute.")
    elif s.next_at is not None:
        lines.append(
            f"Next: {format_date(s.next_at.date())} at {s.next_at:%H:%M} (a week's digest is posted once, "
            "even if the day changes after it went out)."
        )
    else:
        lines.append("Turn it back on with `/consult digest schedule monday 09:00`.")
    if s.last_posted is not None:
        lines.append(f"Last posted: {format_datetime(s.last_posted, s.schedule.timezone)}.")
    if s.followers:
        lines.append(
            "Also in the weekly roll-up of: " + ", ".join(f"<#{c}>" for c in s.followers) + "."
        )
    return "\n".join(lines)
