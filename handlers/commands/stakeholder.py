"""`/consult stakeholder add|list|show|edit|link|unlink|remove|import`: the register."""

from __future__ import annotations

from bot.errors import UsageError
from bot.grammar import choice, parse, parse_int, user_id
from bot.rendering import esc
from bot.services import stakeholders as svc
from bot.stakeholder_types import TYPE_ALIASES, TYPE_LABELS, TYPES

from .subcommand import CommandRequest, subcommand

USAGE = """/consult stakeholder add <type> "<name>" [--code <ODS code>] [--list-size N] [--group "<locality or CCG>"]
/consult stakeholder list [<type>] [--group "<group>"]
/consult stakeholder show <stakeholder>
/consult stakeholder edit <stakeholder> [--name "<name>"] [--list-size N] [--group "<group>"]
/consult stakeholder link <stakeholder> <@user>
/consult stakeholder unlink <stakeholder>
/consult stakeholder remove <stakeholder>
/consult stakeholder import [<file name>...] [--commissioner <CCG code>] [--dry-run] [--overwrite]   # CSVs shared in this channel
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
    summary="Keep the register of stakeholders (add, list, show, edit, link, remove, import)",
    usage=USAGE,
    example='/consult stakeholder add practice "Acorn Surgery" --code E85001 --list-size 8200',
    aliases=("stakeholders",),
)
def stakeholder_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError(
            "Say what to do with the register: add, list, show, link, unlink or remove."
        )
    verb = choice(
        args[0],
        ["add", "list", "show", "edit", "link", "unlink", "remove", "import"],
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
    req.out.reply(f"{describe(s)}\nType: {TYPE_LABELS[s.type]}")


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
