"""`/consult deadline add|done|cancel|move`, `/consult meeting add|move|cancel`, `/consult deadlines`."""

from __future__ import annotations

from blocks import reminders as blocks
from bot import clock, reminders
from bot import duties as duty_rules
from bot.dates import format_date
from bot.errors import UsageError
from bot.grammar import choice, parse, parse_int, user_id
from bot.rendering import esc
from bot.services import deadlines as svc
from bot.services.programmes import parse_date_in_programme

from .subcommand import CommandRequest, subcommand

DEADLINE_USAGE = """/consult deadline add "<title>" <date> [--time 17:00] [--remind 14,7,1,0] [--owner @user]...
/consult deadline done <id>
/consult deadline cancel <id>
/consult deadline move <id> <date> [--time 17:00|none]
/consult deadline confirm <id>          # a provisional (template) date is right as it stands
/consult deadlines [--all]"""
MEETING_USAGE = """/consult meeting add "<title>" <date> --time 14:00 [--end 16:00] [--place "<where>"] [--owner @user]... [--remind 1,0]
/consult meeting move <id> <date> [--time 14:00] [--end 16:00]
/consult meeting cancel <id>"""
LIST_USAGE = "/consult deadlines [--all]"
LIST_LIMIT = 40


def _date(words: list[str], req: CommandRequest, usage: str):
    if not words:
        raise UsageError("Give the date, e.g. `20 June 2014` or `20/6/2014`.", usage)
    return parse_date_in_programme(" ".join(words), req.actor, req.channel_id, req.uow)


def _id(text: str) -> int:
    return parse_int(text.lstrip("#"), "The deadline's number", 1)


def _owners(p) -> list[str]:
    return [user_id(o) for o in p.all("owner")]


def _add(req: CommandRequest, rest: list[str], kind: str, usage: str) -> None:
    options = {"time", "remind", "owner"} | ({"end", "place"} if kind == "meeting" else set())
    p = parse(rest, options, usage=usage)
    if not p.words:
        raise UsageError(f"Give the {kind}'s title (in quotes) and its date.", usage)
    title, date_words = p.words[0], p.words[1:]
    try:
        due_on = _date(date_words, req, usage)
    except UsageError as e:
        if (
            len(date_words) > 1
            and not any(ch.isdigit() for ch in date_words[0])
            and date_words[0].lower() not in ("next", "in", "this")
        ):
            raise UsageError(
                e.message + f" If {date_words[0]!r} is part of the title, put the whole title in "
                "quotes.",
                usage,
            ) from None
        raise
    remind = reminders.parse_remind_days(p.opt("remind")) if p.opt("remind") is not None else None
    programme, view = svc.add_deadline(
        req.actor,
        req.channel_id,
        title,
        due_on,
        req.uow,
        due_time=p.opt("time"),
        remind_days=remind,
        owners=_owners(p),
        kind=kind,
        end_time=p.opt("end"),
        place=p.opt("place"),
    )
    d = view.deadline
    today = clock.today_in(programme.timezone)
    days = reminders.stored_remind_days(d.remind_days)
    schedule = ", ".join(
        format_date(r.on) for r in reminders.reminder_days(d.due_on, days) if r.on >= today
    )
    label = "meeting" if kind == "meeting" else "deadline"
    req.out.post(
        req.channel_id,
        f"<@{req.actor.user_id}> added a {label}: {blocks.describe(view, today)}"
        + (f"\nReminders at 09:00 on {schedule}." if schedule else ""),
    )
    req.out.reply(f"Added {label} `#{d.id}` for {blocks.when(d)}." + blocks.non_working_note(view))


def _close(req: CommandRequest, rest: list[str], state: str, usage: str) -> None:
    if len(rest) != 1:
        raise UsageError(
            "Give the number of the deadline or meeting, e.g. `#3` (see `/consult deadlines`).",
            usage,
        )
    programme, view = svc.close_deadline(req.actor, req.channel_id, _id(rest[0]), state, req.uow)
    d = view.deadline
    what = "meeting" if d.kind == "meeting" else "deadline"
    done = "marked done" if state == "done" else "cancelled"
    req.out.post(
        req.channel_id,
        f"<@{req.actor.user_id}> {done} the {what} *{esc(d.title)}* "
        f"(`#{d.id}`, {blocks.when(d)}). Its reminders stop.",
    )
    req.out.reply(f"`#{d.id}` is {d.state}.")


def _move(req: CommandRequest, rest: list[str], usage: str) -> None:
    options = {"time", "end"}
    p = parse(rest, options, usage=usage)
    if len(p.words) < 2:
        raise UsageError(
            "Give the number of the deadline or meeting and its new date, e.g. `move 3 23 January 2015`.",
            usage,
        )
    kwargs = {}
    if p.opt("time") is not None:
        kwargs["due_time"] = (
            None if p.opt("time").lower() in ("none", "all-day", "allday") else p.opt("time")
        )
    if p.opt("end") is not None:
        kwargs["end_time"] = None if p.opt("end").lower() == "none" else p.opt("end")
    due_on = _date(p.words[1:], req, usage)
    programme, old, view = svc.move_deadline(
        req.actor, req.channel_id, _id(p.words[0]), due_on, req.uow, **kwargs
    )
    d = view.deadline
    today = clock.today_in(programme.timezone)
    what = "meeting" if d.kind == "meeting" else "deadline"
    req.out.post(
        req.channel_id,
        f"<@{req.actor.user_id}> moved the {what} *{esc(d.title)}* (`#{d.id}`) "
        f"from {format_date(old)} to {blocks.when(d)} ({blocks.days_left(d.due_on, today)}). "
        "Reminders follow the new date.",
    )
    req.out.reply(f"`#{d.id}` is now on {blocks.when(d)}." + blocks.non_working_note(view))


@subcommand(
    "deadline",
    summary="Add, complete, cancel, move or confirm a deadline (reminders follow it)",
    usage=DEADLINE_USAGE,
    example='/consult deadline add "Joint proforma to NHS England" 30 January 2015 --owner @jane',
)
def deadline_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError(
            "Say what to do: add, done, cancel or move (or `/consult deadlines` to list them)."
        )
    verb = choice(
        args[0],
        ["add", "done", "cancel", "move", "confirm", "list"],
        "deadline command",
        DEADLINE_USAGE,
    )
    if verb == "add":
        _add(req, args[1:], "deadline", DEADLINE_USAGE)
    elif verb in ("done", "cancel"):
        _close(req, args[1:], "done" if verb == "done" else "cancelled", DEADLINE_USAGE)
    elif verb == "move":
        _move(req, args[1:], DEADLINE_USAGE)
    elif verb == "confirm":
        _confirm(req, args[1:])
    else:
        deadlines_callback(req, args[1:])


def _confirm(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 1:
        raise UsageError(
            "Give the number of the deadline to confirm, e.g. `deadline confirm 3`.",
            DEADLINE_USAGE,
        )
    programme, view, duties = svc.confirm_deadline(req.actor, req.channel_id, _id(rest[0]), req.uow)
    d = view.deadline
    follow = (
        f" {len(duties)} dut{'y' if len(duties) == 1 else 'ies'} due by it "
        f"{'is' if len(duties) == 1 else 'are'} confirmed with it."
        if duties
        else ""
    )
    req.out.post(
        req.channel_id,
        f"<@{req.actor.user_id}> confirmed the date of *{esc(d.title)}* (`#{d.id}`): "
        f"{blocks.when(d)}.{follow}",
    )
    req.out.reply(f"`#{d.id}` is confirmed for {blocks.when(d)}." + blocks.non_working_note(view))


@subcommand(
    "meeting",
    summary="Add, move or cancel a meeting (listed with the deadlines)",
    usage=MEETING_USAGE,
    example='/consult meeting add "HWBB: draft plan" 9 December 2014 --time 14:00 --end 16:00 --place "Civic Centre"',
    aliases=("meetings",),
)
def meeting_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError("Say what to do: add, move or cancel.")
    verb = choice(args[0], ["add", "move", "cancel", "list"], "meeting command", MEETING_USAGE)
    if verb == "add":
        _add(req, args[1:], "meeting", MEETING_USAGE)
    elif verb == "move":
        _move(req, args[1:], MEETING_USAGE)
    elif verb == "cancel":
        _close(req, args[1:], "cancelled", MEETING_USAGE)
    else:
        deadlines_callback(req, args[1:])


@subcommand(
    "deadlines",
    summary="List upcoming deadlines and meetings (--all for past and done ones)",
    usage=LIST_USAGE,
    example="/consult deadlines --all",
)
def deadlines_callback(req: CommandRequest, args: list[str]) -> None:
    p = parse(args, flags={"all"}, usage=LIST_USAGE)
    if p.words:
        raise UsageError("`/consult deadlines` takes only `--all`.", LIST_USAGE)
    programme, upcoming, earlier = svc.list_deadlines(
        req.actor, req.channel_id, req.uow, p.flag("all")
    )
    today = clock.today_in(programme.timezone)
    lines = [f"*{esc(programme.name)}*: today is {format_date(today)}"]

    def section(title: str, views) -> None:
        lines.append(f"\n*{title}* ({len(views)}):")
        lines.extend("• " + blocks.describe(v, today) for v in views[:LIST_LIMIT])
        if len(views) > LIST_LIMIT:
            lines.append(f"…and {len(views) - LIST_LIMIT:,} more.")

    provisional = [
        v
        for v in upcoming + earlier
        if getattr(v.deadline, "provisional", False) and v.deadline.state == "open"
    ]
    if provisional:
        suggested = sum(1 for v in provisional if duty_rules.suggestion_of(v.deadline))
        moved = len(provisional) - suggested
        why = []
        if moved:
            why.append(
                f"{moved} {'are' if moved != 1 else 'is'} the template's 2014/15 "
                f"date{'s' if moved != 1 else ''} moved into this cycle (off weekends and bank "
                "holidays), which no source gives"
            )
        if suggested:
            why.append(
                f"{suggested} {'are' if suggested != 1 else 'is'} one CCG's own "
                f"date{'s' if suggested != 1 else ''}, offered as a suggestion"
            )
        lines.append(
            f"\n:warning: {len(provisional)} date{'s are' if len(provisional) != 1 else ' is'} "
            f"provisional: {'; '.join(why)}. Confirm each with `/consult deadline confirm "
            "<id>` or move it with `/consult deadline move <id> <date>`."
        )
    if upcoming:
        section("Coming up", upcoming)
    else:
        lines.append("\nNothing coming up. Add a deadline with `/consult deadline add`.")
    if p.flag("all"):
        if earlier:
            section("Past, done and cancelled", earlier)
        else:
            lines.append("\nNothing past, done or cancelled yet.")
    else:
        lines.append("\n_`/consult deadlines --all` shows past, done and cancelled ones too._")
    req.out.reply("\n".join(lines))
