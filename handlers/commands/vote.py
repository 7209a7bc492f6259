"""`/consult vote open|record|tally|tally set|close|list` and `/consult export ballots`."""

from __future__ import annotations

from blocks.votes import (
    ballot_reply,
    closed_vote_message,
    decides_text,
    decision_text,
    result_text,
    tally_text,
    vote_list_text,
    vote_message,
)
from bot import votes as rules
from bot.dates import format_datetime, parse_time
from bot.errors import UsageError, WhichOne
from bot.grammar import choice, parse, parse_int, parse_percent
from bot.rendering import esc
from bot.services import votes as svc
from bot.services.access import programme_for
from bot.services.programmes import parse_date_in_programme

from .subcommand import CommandRequest, exporter, subcommand

USAGE = """/consult vote open "<question>" --closes <date> [--time 17:00] [--rule simple|absolute|two-thirds] [--quorum 50%] [--weighted] [--group "<group>"] [--duty <id>]
/consult vote record <practice> for|against|abstain [--method paper|email|meeting]
/consult vote cast for|against|abstain [--practice <practice>]   (your own practice, like the buttons)
/consult vote tally [--weighted]
/consult vote tally set --for N --against N --abstain N [--for-size N --against-size N --abstain-size N]
/consult vote close [--yes]   (asks first; --yes closes at once)
/consult vote list
With several open votes, add --vote <id> (`/consult vote list` shows the ids)."""
VERBS = ["open", "record", "cast", "tally", "close", "list"]
MAX_SIZE = 100_000_000


def _vote_id(p) -> int | None:
    raw = p.opt("vote")
    return parse_int(raw.lstrip("#"), "The vote id", 1) if raw is not None else None


@subcommand(
    "vote",
    summary="Run the member practice vote: open, record, tally, close",
    usage=USAGE,
    example='/consult vote open "Take on joint commissioning?" --closes 4/3/2015 --quorum 50%',
    aliases=("votes",),
)
def vote_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError("Say what to do with the vote: open, record, tally, close or list.")
    verb = choice(args[0], VERBS, "vote command", USAGE)
    svc.require_member_vote(req.actor, req.channel_id, req.uow)
    {
        "open": _open,
        "record": _record,
        "cast": _cast,
        "tally": _tally,
        "close": _close,
        "list": _list,
    }[verb](req, args[1:])


def _open(req: CommandRequest, args: list[str]) -> None:
    p = parse(
        args, {"closes", "time", "rule", "quorum", "group", "duty"}, {"weighted"}, usage=USAGE
    )
    if len(p.words) != 1:
        raise UsageError(
            'Give the question in quotes, e.g. `vote open "Take on joint commissioning?" --closes 4/3/2015`.'
            if not p.words
            else "Put the question in quotes: it has spaces."
        )
    if not p.opt("closes"):
        raise UsageError(
            "Say when the vote closes with `--closes <date>`, e.g. `--closes 4/3/2015`."
        )
    closes_on = parse_date_in_programme(p.opt("closes"), req.actor, req.channel_id, req.uow)
    at = parse_time(p.opt("time")) if p.opt("time") else "17:00"
    rule = choice(p.opt("rule", "simple"), list(rules.RULES), "rule", USAGE)
    quorum = parse_percent(p.opt("quorum")) if p.opt("quorum") is not None else None
    view = svc.open_vote(
        req.actor,
        req.channel_id,
        p.words[0],
        req.uow,
        closes_on=closes_on,
        at=at,
        rule=rule,
        quorum=quorum,
        weighted=p.flag("weighted"),
        group=p.opt("group"),
        duty=p.opt("duty"),
    )
    text, blocks = vote_message(view)
    ts = req.out.post(req.channel_id, text, blocks)
    svc.set_message(req.uow, view.vote.id, ts)
    req.out.reply(
        f"Opened vote #{view.vote.id} for {view.tally.practices.electorate:,} member practices; it closes "
        f"{format_datetime(view.vote.closes_at, view.programme.timezone)}. Link each practice's voice with "
        "`/consult stakeholder link <practice> @person` so they can vote with the buttons."
        + (f"\n{decides_text(view)}" if view.duty is not None else "")
    )


def _record(req: CommandRequest, args: list[str]) -> None:
    p = parse(args, {"method", "vote"}, usage=USAGE)
    if len(p.words) != 2:
        raise UsageError(
            "Give the practice and the choice, e.g. `vote record E85001 for --method paper`."
        )
    ballot = choice(p.words[1], list(rules.CHOICES), "choice", USAGE)
    method = choice(p.opt("method", "paper"), ["paper", "email", "meeting"], "method", USAGE)
    outcome = svc.record_ballot(
        req.actor, req.channel_id, p.words[0], ballot, req.uow, method=method, vote_id=_vote_id(p)
    )
    req.out.reply(
        ballot_reply(outcome)
        + (
            f" (recorded by <@{req.actor.user_id}> from {'an' if method[0] in 'aeiou' else 'a'} {method} ballot)"
            if outcome.changed
            else ""
        )
    )


def _cast(req: CommandRequest, args: list[str]) -> None:
    """What the buttons do, typed: for the local shell, and for anyone whose Slack shows no buttons."""
    p = parse(args, {"practice", "vote"}, usage=USAGE)
    if len(p.words) != 1:
        raise UsageError(
            "Give your choice: `vote cast for`, `vote cast against` or `vote cast abstain`."
        )
    ballot = choice(p.words[0], list(rules.CHOICES), "choice", USAGE)
    with req.uow as uow:
        programme = programme_for(uow, req.actor, req.channel_id)
        vote = svc.choose_vote(uow, programme, _vote_id(p))
        practice_id = None
        if p.opt("practice"):
            practice_id = svc.resolve(uow, programme, p.opt("practice")).id
    outcome = svc.ballot_from_button(req.actor, vote.id, ballot, req.uow, practice_id)
    if isinstance(outcome, svc.PracticeChoice):
        names = ", ".join(
            f"{esc(s.name)} ({esc(s.code)})" if s.code else esc(s.name) for s in outcome.practices
        )
        raise UsageError(
            f"You speak for several practices ({names}); say which with `--practice <code>`."
        )
    req.out.reply(ballot_reply(outcome))


def _tally(req: CommandRequest, args: list[str]) -> None:
    if args and args[0].lower() == "set":
        _tally_set(req, args[1:])
        return
    p = parse(args, {"vote"}, {"weighted"}, usage=USAGE)
    if p.words:
        raise UsageError(f"`vote tally` takes no {p.words[0]!r}; did you mean `vote tally set`?")
    view = svc.tally_vote(req.actor, req.channel_id, req.uow, _vote_id(p))
    req.out.reply(tally_text(view, show_sizes=p.flag("weighted")))


def _tally_set(req: CommandRequest, args: list[str]) -> None:
    names = ["for", "against", "abstain"]
    p = parse(args, {*names, *(f"{n}-size" for n in names), "vote"}, usage=USAGE)
    if p.words:
        raise UsageError(
            "Give the count as options: `vote tally set --for 20 --against 8 --abstain 2`."
        )
    missing = [f"--{n}" for n in names if p.opt(n) is None]
    if missing:
        raise UsageError(f"Give all three counts; missing {', '.join(missing)}. Use 0 for none.")
    counts = {n: parse_int(p.opt(n), f"--{n}", 0, 100_000) for n in names}
    sizes = {
        n: parse_int(p.opt(f"{n}-size"), f"--{n}-size", 0, MAX_SIZE)
        if p.opt(f"{n}-size") is not None
        else None
        for n in names
    }
    view = svc.set_aggregate_tally(
        req.actor,
        req.channel_id,
        req.uow,
        for_count=counts["for"],
        against_count=counts["against"],
        abstain_count=counts["abstain"],
        for_size=sizes["for"],
        against_size=sizes["against"],
        abstain_size=sizes["abstain"],
        vote_id=_vote_id(p),
    )
    req.out.post(
        req.channel_id,
        f"<@{req.actor.user_id}> recorded the count of vote #{view.vote.id} from a meeting: "
        f"For {counts['for']:,}, Against {counts['against']:,}, Abstain {counts['abstain']:,}.",
    )
    req.out.reply("Recorded the aggregate count.\n" + tally_text(view, show_sizes=True))


def _close(req: CommandRequest, args: list[str]) -> None:
    p = parse(args, {"vote"}, {"yes"}, usage=USAGE)
    if p.words:
        raise UsageError("`vote close` takes only `--vote <id>` and `--yes`.")
    if not p.flag("yes"):  # closing ends the vote for good: ask first
        vote = svc.vote_to_close(req.actor, req.channel_id, req.uow, _vote_id(p))
        command = f"vote close --vote {vote.id} --yes"
        raise WhichOne(
            f"Close vote #{vote.id} “{vote.question}” now? It ends the vote for good: no more "
            f"ballots, and the result is posted. To close it, run `/consult {command}`.",
            [(f"Close vote #{vote.id} now", command)],
        )
    view = svc.close_vote(req.actor, req.channel_id, req.uow, _vote_id(p))
    svc.post_result(req.uow, req.out, view, result_text(view), closed_vote_message(view))
    decided = decision_text(view)
    req.out.reply(
        f"Closed vote #{view.vote.id}: {view.tally.explain()}" + (f"\n{decided}" if decided else "")
    )


def _list(req: CommandRequest, args: list[str]) -> None:
    if args:
        raise UsageError("`vote list` takes nothing after it.")
    programme, rows = svc.list_votes(req.actor, req.channel_id, req.uow)
    req.out.reply(vote_list_text(programme, rows))


@exporter(
    "ballots",
    "a vote's ballots: practice, code, list size, choice, method, who recorded it, when, changes",
)
def export_ballots(req: CommandRequest, args: list[str]) -> tuple[str, bytes, str]:
    p = parse(args, {"vote"}, usage="/consult export ballots [--vote <id>]")
    if p.words:
        raise UsageError(
            "`export ballots` takes only `--vote <id>`.", "/consult export ballots [--vote <id>]"
        )
    return svc.ballots_csv(req.actor, req.channel_id, req.uow, _vote_id(p))
