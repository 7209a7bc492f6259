"""`/consult stakeholder add|list|show|edit|link|unlink|remove|import`: the register."""

from __future__ import annotations

from bot import charts
from bot.dates import format_date
from bot.errors import UsageError
from bot.grammar import choice, parse, parse_int, user_id
from bot.ratings import HIGH, HIGHEST, LOWEST, QUADRANTS, quadrant
from bot.rendering import esc
from bot.services import stakeholders as svc
from bot.services.access import programme_for
from bot.stakeholder_types import TYPE_ALIASES, TYPE_LABELS, TYPES

from .pictures import picture_blocks
from .subcommand import CommandRequest, subcommand

USAGE = """/consult stakeholder add <type> "<name>" [--code <ODS code>] [--list-size N] [--group "<locality or CCG>"]
/consult stakeholder list [<type>] [--group "<group>"]
/consult stakeholder show <stakeholder>
/consult stakeholder edit <stakeholder> [--name "<name>"] [--list-size N] [--group "<group>"]
/consult stakeholder link <stakeholder> <@user>
/consult stakeholder unlink <stakeholder>
/consult stakeholder remove <stakeholder>
/consult stakeholder import [<file name>...] [--commissioner <CCG code>] [--dry-run] [--overwrite]   # CSVs shared in this channel
/consult stakeholder rate <stakeholder> --influence 1-5 --interest 1-5   # admins: how much it matters
/consult stakeholder map [--chart]     # the four quadrants, each stakeholder with its current position
types: """ + ", ".join(TYPES)
LIST_LIMIT = 60


def stakeholder_type(text: str) -> str:
    t = text.strip().lower()
    return choice(TYPE_ALIASES.get(t, t), TYPES, "stakeholder type", USAGE)


def describe(s) -> str:
    parts = [f"*{esc(s.name)}*"]
    if s.code:
        parts.append(f"({esc(s.code)})")
    extra = []
    if s.list_size is not None:
        extra.append(f"list size {s.list_size:,}")
    if s.group_name:
        extra.append(esc(s.group_name))
    if s.linked_user_id:
        extra.append(f"speaks: <@{s.linked_user_id}>")
    return " ".join(parts) + (f": {', '.join(extra)}" if extra else "")


@subcommand(
    "stakeholder",
    summary="Keep the register of stakeholders (add, list, show, edit, link, remove, import, rate, map)",
    usage=USAGE,
    example='/consult stakeholder add practice "Acorn Surgery" --code E85001 --list-size 8200',
    aliases=("stakeholders",),
)
def stakeholder_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError(
            "Say what to do with the register: add, list, show, link, unlink, remove, rate or map."
        )
    verb = choice(
        args[0],
        ["add", "list", "show", "edit", "link", "unlink", "remove", "import", "rate", "map"],
        "stakeholder command",
        USAGE,
    )
    rest = args[1:]
    {
        "add": _add,
        "list": _list,
        "import": _import,
        "show": _show,
        "edit": _edit,
        "link": _link,
        "unlink": _unlink,
        "remove": _remove,
        "rate": _rate,
        "map": _map,
    }[verb](req, rest)


def _add(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"code", "list-size", "group"}, usage=USAGE)
    if len(p.words) != 2:
        raise UsageError(
            'Give the type and the name (in quotes if it has spaces), e.g. practice "Acorn Surgery".'
        )
    size = (
        parse_int(p.opt("list-size"), "The list size", 0, 10_000_000)
        if p.opt("list-size")
        else None
    )
    s = svc.add_stakeholder(
        req.actor,
        req.channel_id,
        stakeholder_type(p.words[0]),
        p.words[1],
        req.uow,
        code=p.opt("code"),
        list_size=size,
        group=p.opt("group"),
    )
    req.out.reply(f"Added to the register: {describe(s)} ({TYPE_LABELS[s.type].lower()}).")


def _list(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"group"}, usage=USAGE)
    if len(p.words) > 1:
        raise UsageError("Give at most one type to list.")
    type_ = stakeholder_type(p.words[0]) if p.words else None
    programme, rows = svc.list_stakeholders(
        req.actor, req.channel_id, req.uow, type_, p.opt("group")
    )
    if not rows:
        req.out.reply(
            "The register has no such stakeholders yet. Add one with `/consult stakeholder add`."
        )
        return
    rows.sort(key=lambda s: (TYPES.index(s.type), s.name.lower()))
    lines = [f"*{esc(programme.name)}*: {len(rows):,} stakeholder{'s' if len(rows) != 1 else ''}"]
    current = None
    for s in rows[:LIST_LIMIT]:
        if s.type != current:
            current = s.type
            count = sum(1 for r in rows if r.type == current)
            lines.append(f"\n*{TYPE_LABELS[current]}* ({count:,})")
        lines.append("• " + describe(s))
    if len(rows) > LIST_LIMIT:
        lines.append(
            f"…and {len(rows) - LIST_LIMIT:,} more. List one type (`/consult stakeholder list practice`) or a group (`--group`)."
        )
    req.out.reply("\n".join(lines))


def _import(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"commissioner"}, {"dry-run", "overwrite"}, usage=USAGE)
    programme, _ = svc.list_stakeholders(req.actor, req.channel_id, req.uow, "practice")
    files = req.out.fetch_files(req.channel_id, p.words)
    report = svc.import_practices(
        req.actor,
        programme.id,
        files,
        req.uow,
        commissioner=p.opt("commissioner"),
        dry_run=p.flag("dry-run"),
        overwrite=p.flag("overwrite"),
    )
    req.out.reply(esc(import_summary(", ".join(name for name, _ in files), report, "--overwrite")))


def import_summary(files: str, report, overwrite_option: str, limit: int = 40) -> str:
    """What an import did (or, in a dry run, would do), the same in Slack and on the command line."""
    verb = "Would import" if report.dry_run else "Imported"
    lines = [
        f"{verb} {files}: {len(report.added)} added, {len(report.changed)} changed, "
        f"{report.unchanged} unchanged."
    ]
    if report.dry_run:
        lines += [f"• {line}" for line in report.details[:limit]]
        if len(report.details) > limit:
            lines.append(f"• …and {len(report.details) - limit} more")
        lines.append("Dry run: nothing was stored.")
    if report.kept:
        lines.append(
            f"Kept {len(report.kept)} value{'s' if len(report.kept) != 1 else ''} changed by hand "
            f"since the last import ({overwrite_option} takes the file's instead):"
        )
        lines += [f"• {line}" for line in report.kept[:limit]]
    lines += [f"Left out: {line}" for line in report.left_out]
    return "\n".join(lines)


def _edit(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"name", "list-size", "group"}, usage=USAGE)
    if len(p.words) != 1:
        raise UsageError(
            "Say which stakeholder (its code, or its name in quotes) and what to change, e.g. "
            "`stakeholder edit E85001 --list-size 8150`."
        )
    size = (
        parse_int(p.opt("list-size"), "The list size", 0, 10_000_000)
        if p.opt("list-size") is not None
        else None
    )
    s = svc.edit_stakeholder(
        req.actor,
        req.channel_id,
        p.words[0],
        req.uow,
        name=p.opt("name"),
        list_size=size,
        group=p.opt("group"),
    )
    req.out.reply(
        f"Changed: {describe(s)}. An import keeps this change unless told to overwrite it."
    )


def _show(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 1:
        raise UsageError(
            "Say which stakeholder: its code or part of its name (quoted if it has spaces)."
        )
    _, s = svc.show_stakeholder(req.actor, req.channel_id, rest[0], req.uow)
    lines = [describe(s), f"Type: {TYPE_LABELS[s.type]}"]
    if s.influence is not None and s.interest is not None:
        lines.append(f"On the map: {rating_words(s.influence, s.interest)}")
    req.out.reply("\n".join(lines))


def _link(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 2:
        raise UsageError("Say which stakeholder and mention the person, e.g. `link E85001 @jane`.")
    who = user_id(rest[1])
    s = svc.link_stakeholder(req.actor, req.channel_id, rest[0], who, req.uow)
    req.out.reply(
        f"<@{who}> now speaks and votes for {describe(s)}."
        if who
        else f"Nobody is linked to *{esc(s.name)}* now."
    )


def _unlink(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 1:
        raise UsageError("Say which stakeholder to unlink.")
    s = svc.link_stakeholder(req.actor, req.channel_id, rest[0], None, req.uow)
    req.out.reply(f"Nobody is linked to *{esc(s.name)}* now.")


def _remove(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 1:
        raise UsageError("Say which stakeholder to remove.")
    s = svc.remove_stakeholder(req.actor, req.channel_id, rest[0], req.uow)
    req.out.reply(f"Removed *{esc(s.name)}* from the register. Its engagement history is kept.")


RATE_EXAMPLE = "`/consult stakeholder rate E85001 --influence 4 --interest 5`"


def rating_words(influence: int, interest: int) -> str:
    return f"influence {influence}, interest {interest}: *{quadrant(influence, interest)}*"


def _rating(p, name: str) -> int:
    text = p.opt(name)
    if text is None:
        raise UsageError(f"Give both ratings, from {LOWEST} to {HIGHEST}: {RATE_EXAMPLE}.", USAGE)
    return parse_int(text, f"`--{name}`", LOWEST, HIGHEST)


def _rate(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"influence", "interest"}, usage=USAGE)
    if len(p.words) != 1:
        raise UsageError(
            f"Say which stakeholder (its code, or its name in quotes) and both ratings: {RATE_EXAMPLE}.",
            USAGE,
        )
    influence, interest = _rating(p, "influence"), _rating(p, "interest")
    s, before = svc.rate_stakeholder(
        req.actor, req.channel_id, p.words[0], influence, interest, req.uow
    )
    was = (
        f" (it was {rating_words(before['influence'], before['interest'])})"
        if before["influence"] is not None and before["interest"] is not None
        else ""
    )
    req.out.reply(
        f"Rated *{esc(s.name)}*: {rating_words(influence, interest)}{was}. "
        "`/consult stakeholder map` shows everyone."
    )


def _entry_line(e, today) -> str:
    label = esc(e.name) + (f" ({esc(e.code)})" if e.code else "")
    heard = f"last engaged {format_date(e.last_engaged)}" if e.last_engaged else "never engaged"
    if e.last_engaged and not e.engaged_recently:
        heard += f" ({(today - e.last_engaged).days:,} days ago)"
    rating = f"{e.influence}/{e.interest}" if e.influence is not None else "not rated"
    return f"• {label}: {e.position or 'no position'}; {rating}; {heard}"


def map_text(m, per_quadrant: int = 25) -> str:
    lines = [
        f"*Stakeholder map of {esc(m.programme)}*: influence and interest from {LOWEST} to "
        f"{HIGHEST} ({HIGH} and above counts as high); each line is position; influence/interest; "
        "when last engaged."
    ]
    quiet = m.quiet()
    if quiet:
        lines.append(
            f"\n:warning: *Manage closely, not heard from within {m.days:,} days*: "
            + ", ".join(esc(e.name) for e in quiet[:per_quadrant])
            + (f" and {len(quiet) - per_quadrant:,} more" if len(quiet) > per_quadrant else "")
        )
    for name, who, what in QUADRANTS:
        entries = m.quadrants[name]
        lines.append(f"\n*{name.capitalize()}* ({len(entries):,}): {who}; {what}")
        if not entries:
            lines.append("• nobody")
        lines += [_entry_line(e, m.today) for e in entries[:per_quadrant]]
        if len(entries) > per_quadrant:
            lines.append(f"• …and {len(entries) - per_quadrant:,} more")
    if m.unrated:
        names = ", ".join(esc(e.name) for e in m.unrated[:per_quadrant])
        more = len(m.unrated) - per_quadrant
        lines.append(
            f"\n*Not rated* ({len(m.unrated):,}): {names}"
            + (f" and {more:,} more" if more > 0 else "")
            + f". Rate one with {RATE_EXAMPLE}."
        )
    return "\n".join(lines)


def _map(req: CommandRequest, rest: list[str]) -> None:
    chart = "--chart" in rest
    rest = [a for a in rest if a != "--chart"]
    if rest:
        raise UsageError("`stakeholder map` takes only `--chart`.", USAGE)
    m = svc.stakeholder_map(req.actor, req.channel_id, req.uow)
    text = map_text(m)
    if not chart:
        req.out.reply(text)
        return
    with req.uow as uow:
        programme_id = programme_for(uow, req.actor, req.channel_id).id
    blocks, fallback = picture_blocks(req, programme_id, [charts.stakeholder_map_chart(m)], text)
    req.out.reply(text, blocks, fallback_blocks=fallback)
