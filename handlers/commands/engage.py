"""`/consult engage ...`: log an engagement in one line, or open the form; and the CSV export."""

from __future__ import annotations

from blocks.engagement import engagement_form, logged_text
from blocks.raised_issues import suggestion_blocks
from bot import clock
from bot.coverage import KINDS, POSITIONS
from bot.errors import UsageError, WhichOne
from bot.grammar import list_items, parse, quote, user_id
from bot.services import engagements as svc
from bot.services import raised_issues as issues_svc
from bot.services.access import programme_for
from bot.services.stakeholders import SeveralMeanings

from .subcommand import CommandRequest, exporter, subcommand

USAGE = f"""/consult engage <stakeholder>[,<stakeholder>...] <kind> "<summary>" [--date <date>] [--position <position>] [--issue "<issue>"]...
/consult engage <kind> "<summary>" --group "<group>" [--date <date>] [--position <position>]
/consult engage    (no arguments: opens a form)
Follow-up: add --action "<what>" [--owner @someone] [--due <date>]
Issues raised: --issue "<name or number>" (several allowed), or #hashtags of issue names in the summary
kinds: {", ".join(KINDS)}
positions: {", ".join(POSITIONS)}"""


def _join_lists(words: list[str]) -> list[list[str]]:
    """`E85001, E85002` typed with spaces is still one list of stakeholders: the words, grouped."""
    out: list[list[str]] = []
    for w in words:
        if out and (out[-1][-1].endswith(",") or w.startswith(",")):
            out[-1].append(w)
        else:
            out.append([w])
    return out


@subcommand(
    "engage",
    summary="Log an engagement with one or more stakeholders (no arguments: a form)",
    usage=USAGE,
    example='/consult engage E85001,E85002 meeting "Locality meeting on co-commissioning" --position support',
    aliases=("log",),
)
def engage_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        with req.uow as uow:
            programme = programme_for(
                uow, req.actor, req.channel_id
            )  # a clear reply in a channel with none
            today = clock.today_in(programme.timezone)
        issues = issues_svc.form_choices(req.actor, [programme.id], req.uow)
        req.out.open_modal(
            engagement_form(
                [programme], today, channel_id=req.channel_id, source="modal", issues=issues
            )
        )
        return
    p = parse(args, {"date", "position", "group", "action", "owner", "due", "issue"}, usage=USAGE)
    grouped = _join_lists(p.words)
    words = ["".join(g) for g in grouped]
    group = p.opt("group")
    if group is not None and len(words) == 2:
        refs, kind, summary = [], words[0], words[1]
    elif len(words) == 3:
        refs, kind, summary = list_items(grouped[0]), words[1], words[2]
    elif len(words) > 3:
        raise UsageError(
            "Put the summary in quotes, and separate several stakeholders with commas (no spaces).",
            USAGE,
        )
    else:
        raise UsageError(
            "Give the stakeholder(s), the kind and a summary in quotes, e.g. "
            '`/consult engage E85001 meeting "Discussed the committee"`.',
            USAGE,
        )
    follow_up = None
    if p.opt("action") is not None or p.opt("owner") or p.opt("due"):
        if not p.opt("action"):
            raise UsageError(
                '`--owner` and `--due` describe a follow-up: add `--action "<what>"` too.', USAGE
            )
        follow_up = svc.FollowUp(
            p.opt("action"), user_id(p.opt("owner")) if p.opt("owner") else None, p.opt("due")
        )
    try:
        logged = svc.log_engagement(
            req.actor,
            req.channel_id,
            refs,
            kind,
            summary,
            req.uow,
            on=p.opt("date"),
            position=p.opt("position"),
            group=group,
            follow_up=follow_up,
            issues=p.all("issue"),
        )
    except svc.FieldErrors as e:
        raise UsageError(e.message, USAGE) from None
    except SeveralMeanings as e:
        raise _which_one(e, refs, kind, summary, p) from None
    text = logged_text(logged)
    if logged.suggestions and not logged.issues:
        e = logged.engagement
        req.out.reply(text, suggestion_blocks(logged.programme.id, e.id, text, logged.suggestions))
    else:
        req.out.reply(text)


def _which_one(e: SeveralMeanings, refs: list[str], kind, summary, p) -> WhichOne:
    """The same engage command for each thing the word could mean, to choose from."""
    options = []
    for meaning in e.meanings:
        new_refs = [r for ref in refs for r in (meaning.refs if ref == e.ref else [ref])]
        options_ = {name: list(values) for name, values in p.options.items()}
        if meaning.group:
            options_["group"] = [meaning.group]
        words = ["engage"] + ([",".join(quote(r) for r in new_refs)] if new_refs else [])
        words += [kind, quote(summary)]
        for name, values in options_.items():
            words += [f"--{name} {quote(v)}" for v in values]
        options.append((meaning.label, " ".join(words)))
    lines = [e.message.split("\n", 1)[0]]
    lines += [f"• {label}: `/consult {command}`" for label, command in options]
    return WhichOne("\n".join(lines), options)


@exporter("engagements", "the engagement log, one row per engagement and stakeholder")
def export_engagements(req: CommandRequest, args: list[str]):
    if args:
        raise UsageError("`/consult export engagements` takes nothing more.")
    programme, content, count = svc.engagements_csv(req.actor, req.channel_id, req.uow)
    safe = (
        "".join(c if c.isalnum() else "-" for c in programme.name.lower()).strip("-")[:60]
        or "programme"
    )
    return (
        f"{safe}-engagements.csv",
        content,
        f"The engagement log of {programme.name}: {count:,} engagement{'s' if count != 1 else ''}.",
    )
