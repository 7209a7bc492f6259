"""`/consult templates`: the programme templates, what each is for and its sources."""

from __future__ import annotations

from bot import programme_templates
from bot.errors import UsageError
from bot.rendering import esc

from .subcommand import CommandRequest, subcommand

USAGE = "/consult templates [<template>]   # with a template's name: all its sources"
BRIEF_SOURCES = 4


def _source_line(doc: dict) -> str:
    when = f", {esc(doc['date'])}" if doc.get("date") else ""
    where = f" {doc['url']}" if doc.get("url") else ""
    return f"      – {esc(doc['title'])}{when}{where}"


@subcommand(
    "templates",
    summary="The programme templates: what each is for, and its sources",
    usage=USAGE,
    example="/consult templates service-change",
)
def templates_callback(req: CommandRequest, args: list[str]) -> None:
    if len(args) > 1:
        raise UsageError("Give at most one template's name.", USAGE)
    chosen = [programme_templates.load(args[0].strip().lower())] if args else None
    lines = (
        [] if chosen else ["*Programme templates* (`/consult setup` takes one with `--template`)"]
    )
    for t in chosen or programme_templates.summaries():
        docs = programme_templates.documents(t)
        lines.append(f"\n*{esc(t['name'])}*: {esc(t['title'])}")
        lines.append(f"{esc(t.get('purpose') or t.get('about', ''))}")
        if t.get("setup_example"):
            lines.append(f"Set up: `{t['setup_example']}`")
        types = programme_templates.stakeholder_types(t)
        if types:
            lines.append("Stakeholder types: " + ", ".join(f"`{x}`" for x in types))
        lines.append(
            "Member vote: "
            + (
                esc(t["vote"]["what"])
                if programme_templates.has_vote(t)
                else "none: " + esc(programme_templates.no_vote_reason(t))
            )
        )
        shown = docs if chosen else docs[:BRIEF_SOURCES]
        lines.append(f"Sources ({len(docs)}):")
        lines += [_source_line(d) for d in shown]
        if chosen and t.get("not_found"):
            lines.append("What no source found sets:")
            lines += [f"      – {esc(x)}" for x in t["not_found"]]
        if len(shown) < len(docs):
            lines.append(
                f"      …and {len(docs) - len(shown)} more: `/consult templates {t['name']}`"
            )
    req.out.reply("\n".join(lines))
