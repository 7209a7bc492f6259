"""`/consult issue ...` and `/consult issues`: the issues stakeholders raised, and the answers."""

from __future__ import annotations

from blocks import raised_issues as blocks
from bot.errors import UsageError
from bot.grammar import closest, parse, parse_int, user_id
from bot.raised_issues import STATES
from bot.services import raised_issues as svc

from .subcommand import CommandRequest, exporter, subcommand

USAGE = f"""/consult issues                                      # most raised first
/consult issue add "<name>" [--description "<what it is about>"]
/consult issue rename <issue> "<new name>" [--description "..."]
/consult issue merge <issue> <into issue>            # keeps every tag
/consult issue respond <issue> "<what we did>" [--state responded|plan-changed|not-taken-forward|open] [--reason "<why not>"] [--owner @someone] [--date <date>]
/consult issue show <issue>
/consult issue tag <engagement id> <issue>...        # e.g. a suggestion confirmed
/consult issue untag <engagement id> <issue>
/consult issue suggest <engagement id>
/consult issue list
<issue>: its number (3 or #3) or its name, in quotes if it has spaces
states: {", ".join(STATES)} (not-taken-forward needs --reason)"""

ACTIONS = ("add", "rename", "merge", "respond", "show", "tag", "untag", "suggest", "list")


def _engagement_id(text: str) -> int:
    return parse_int(text.lstrip("#"), "The engagement's number", 1)


@subcommand(
    "issues",
    summary="The issues stakeholders raised, most raised first, with the response to each",
    usage="/consult issues",
    example="/consult issues",
)
def issues_callback(req: CommandRequest, args: list[str]) -> None:
    if args:
        raise UsageError(
            "`/consult issues` takes nothing more; `/consult issue ...` changes them.", USAGE
        )
    programme, issues, _today = svc.list_issues(req.actor, req.channel_id, req.uow)
    req.out.reply(blocks.issues_text(programme, issues))


@subcommand(
    "issue",
    summary="Add, rename, merge or answer an issue raised; tag engagements with it",
    usage=USAGE,
    example='/consult issue add "list-size funding" --description "How practice list sizes drive funding"',
)
def issue_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError("Say what to do: " + ", ".join(ACTIONS) + ".", USAGE)
    action, rest = args[0].lower(), args[1:]
    run = {
        "list": _list,
        "add": _add,
        "rename": _rename,
        "merge": _merge,
        "respond": _respond,
        "show": _show,
        "tag": _tag,
        "untag": _untag,
        "suggest": _suggest,
    }.get(action)
    if run is None:
        hint = closest(action, ACTIONS)
        raise UsageError(
            f"`issue {action[:30]}` is not something Consult does."
            + (f" Did you mean `issue {hint}`?" if hint else ""),
            USAGE,
        )
    run(req, rest)


def _list(req: CommandRequest, rest: list[str]) -> None:
    issues_callback(req, rest)


def _add(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"description"}, usage=USAGE)
    if len(p.words) != 1:
        raise UsageError(
            'Give the issue\'s name in quotes, e.g. `/consult issue add "list-size funding"`.',
            USAGE,
        )
    _programme, issue = svc.add_issue(
        req.actor, req.channel_id, p.words[0], req.uow, p.opt("description")
    )
    req.out.reply(blocks.added_text(issue))


def _rename(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"description"}, usage=USAGE)
    if len(p.words) not in (1, 2) or (len(p.words) == 1 and p.opt("description") is None):
        raise UsageError(
            'Give the issue and its new name in quotes: `/consult issue rename 3 "GP workload"`.',
            USAGE,
        )
    _programme, issue, old = svc.rename_issue(
        req.actor,
        req.channel_id,
        p.words[0],
        p.words[1] if len(p.words) > 1 else None,
        req.uow,
        description=p.opt("description"),
    )
    req.out.reply(blocks.renamed_text(issue, old))


def _merge(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, usage=USAGE)
    words = [w for w in p.words if w.lower() != "into"]
    if len(words) != 2:
        raise UsageError(
            "Give the issue to merge and the one to merge it into: `/consult issue merge 5 3`.",
            USAGE,
        )
    _programme, source, target, moved, carried = svc.merge_issues(
        req.actor, req.channel_id, words[0], words[1], req.uow
    )
    req.out.reply(blocks.merged_text(source, target, moved, carried))


def _respond(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"state", "reason", "owner", "date"}, usage=USAGE)
    if not p.words or len(p.words) > 2:
        raise UsageError(
            'Give the issue and what was done, in quotes: `/consult issue respond 3 "We added a seat"`.',
            USAGE,
        )
    owner = user_id(p.opt("owner")) if p.opt("owner") else None
    _programme, issue = svc.respond_issue(
        req.actor,
        req.channel_id,
        p.words[0],
        p.words[1] if len(p.words) > 1 else None,
        req.uow,
        state=p.opt("state"),
        reason=p.opt("reason"),
        owner_id=owner,
        on=p.opt("date"),
    )
    req.out.reply(blocks.responded_text(issue))


def _show(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 1:
        raise UsageError("Give one issue: its number or its name in quotes.", USAGE)
    _programme, issue, latest = svc.show_issue(req.actor, req.channel_id, rest[0], req.uow)
    req.out.reply(blocks.issue_text(issue, latest))


def _tag(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) < 2:
        raise UsageError(
            "Give the engagement's number and the issue(s): `/consult issue tag 42 3`.", USAGE
        )
    _programme, e, tagged = svc.tag_engagement(
        req.actor, req.channel_id, _engagement_id(rest[0]), rest[1:], req.uow
    )
    req.out.reply(blocks.tagged_text(e.id, tagged))


def _untag(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 2:
        raise UsageError(
            "Give the engagement's number and one issue: `/consult issue untag 42 3`.", USAGE
        )
    _programme, e, issue = svc.untag_engagement(
        req.actor, req.channel_id, _engagement_id(rest[0]), rest[1], req.uow
    )
    req.out.reply(
        f"Engagement #{e.id} is no longer tagged with *{blocks.esc(issue.name)}* (#{issue.id})."
    )


def _suggest(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 1:
        raise UsageError("Give the engagement's number: `/consult issue suggest 42`.", USAGE)
    programme, e, tagged, found = svc.suggest_for_engagement(
        req.actor, req.channel_id, _engagement_id(rest[0]), req.uow
    )
    text, blocks_ = blocks.suggestion_reply(programme.id, e.id, tagged, found)
    req.out.reply(text, blocks_)


@exporter("issues", "the issues raised, one row per issue and stakeholder who raised it")
def export_issues(req: CommandRequest, args: list[str]):
    if args:
        raise UsageError("`/consult export issues` takes nothing more.")
    programme, content, count = svc.issues_csv(req.actor, req.channel_id, req.uow)
    safe = (
        "".join(c if c.isalnum() else "-" for c in programme.name.lower()).strip("-")[:60]
        or "programme"
    )
    return (
        f"{safe}-issues.csv",
        content,
        f"The issues raised in {programme.name}: {count:,} issue{'s' if count != 1 else ''}.",
    )
