"""What a vote looks like in Slack: the vote message with its buttons, the practice picker,
the tally, the result, reminders. Pure functions of the services' views."""

from __future__ import annotations

from bot import votes as rules
from bot.dates import format_datetime
from bot.rendering import esc, plural
from bot.services.votes import SCHEDULER

from .kit import MAX_BUTTONS, actions, button, context, fields, header, section

ACTION_FOR, ACTION_AGAINST, ACTION_ABSTAIN = "vote_for", "vote_against", "vote_abstain"
CHOICE_ACTIONS = {"for": ACTION_FOR, "against": ACTION_AGAINST, "abstain": ACTION_ABSTAIN}
PICK_PREFIX = "vote_pick_"  # + stakeholder id; value "vote_id:choice:stakeholder_id"
CHOICE_LABEL = {"for": "For", "against": "Against", "abstain": "Abstain"}
MAX_NAMED = 40  # practices named in one list before "…and N more"


def terms(vote) -> str:
    """Rule, quorum and weighting in a few words."""
    parts = [
        {
            "simple": "Simple majority",
            "absolute": "Absolute majority",
            "two-thirds": "Two-thirds majority",
        }[vote.rule]
    ]
    parts.append(f"quorum {vote.quorum_percent}%" if vote.quorum_percent else "no quorum")
    if vote.weighted:
        parts.append("weighted by list size")
    return ", ".join(parts)


def electorate_text(vote, tally: rules.Tally) -> str:
    where = f" of {esc(vote.group_name)}" if vote.group_name else ""
    text = f"{plural(tally.practices.electorate, 'member practice')}{where}"
    if vote.weighted and tally.list_size is not None:
        text += f" (list size {tally.list_size.electorate:,})"
    return text


def vote_message(view) -> tuple[str, list[dict]]:
    """The channel message that opens a vote: question, terms, closing time, buttons."""
    vote, tz = view.vote, view.programme.timezone
    closes = format_datetime(vote.closes_at, tz)
    text = f"Vote #{vote.id} is open: {esc(vote.question)} Closes {closes}."
    buttons = [
        button(ACTION_FOR, "For", str(vote.id), style="primary"),
        button(ACTION_AGAINST, "Against", str(vote.id), style="danger"),
        button(ACTION_ABSTAIN, "Abstain", str(vote.id)),
    ]
    blocks = [
        header(f"Vote #{vote.id} of member practices"),
        section(f"*{esc(vote.question)}*"),
        fields(
            f"*Rule*\n{terms(vote)}",
            f"*Closes*\n{closes}",
            f"*Electorate*\n{electorate_text(vote, view.tally)}",
            f"*Opened by*\n<@{vote.opened_by}>",
        ),
        *([section(decides_text(view))] if getattr(view, "duty", None) is not None else []),
        actions(f"vote_{vote.id}", buttons),
        context(
            "The person linked to a practice votes for it with these buttons; only the latest choice counts "
            "and it can be changed until closing. `/consult vote tally` shows how it stands."
        ),
    ]
    return text, blocks


def decides_text(view) -> str:
    """The duty a vote decides, as the vote's message says it."""
    duty = view.duty
    return (
        f"*Decides duty {duty.id}*: {esc(duty.title)}. Carried under its rule"
        + (" and quorum" if view.vote.quorum_percent else "")
        + ", the duty is done with this vote as its evidence; otherwise it stays open."
    )


def decision_text(view) -> str | None:
    """What the closed vote did to the duty it decides, if it decides one."""
    duty, t = getattr(view, "duty", None), view.tally
    if duty is None:
        return None
    if t.carried and duty.state == "done":
        return f"Duty *{duty.id}* {esc(duty.title)} is done, with this vote as its evidence."
    if t.carried:
        return f"Duty *{duty.id}* {esc(duty.title)} is {duty.state}, so the vote did not change it."
    return f"Duty *{duty.id}* {esc(duty.title)} stays open: the vote did not carry. {t.explain()}"


def closed_vote_message(view) -> tuple[str, list[dict]]:
    """The vote message once closed: the same terms, no buttons, the outcome."""
    text, blocks = vote_message(view)
    vote, t = view.vote, view.tally
    outcome = "carried" if t.carried else "not carried"
    closed = format_datetime(vote.closed_at, view.programme.timezone) if vote.closed_at else "now"
    blocks = [b for b in blocks if b["type"] not in ("actions", "context")]
    blocks[0] = header(f"Vote #{vote.id} of member practices (closed)")
    blocks.append(
        context(
            f"Closed {closed}: {outcome}. {t.explain()} Ballots can no longer be cast or changed."
        )
    )
    return f"Vote #{vote.id} has closed: {esc(vote.question)} ({outcome})", blocks


def practice_picker(choice_view) -> tuple[str, list[dict]]:
    """For a person linked to several practices: one button per practice."""
    vote, choice = choice_view.vote, choice_view.choice
    text = f"You speak for {len(choice_view.practices)} practices. Which one votes {CHOICE_LABEL[choice]}?"
    blocks = [
        section(
            f"You speak for {len(choice_view.practices)} practices in vote #{vote.id}. "
            f"Which one votes *{CHOICE_LABEL[choice]}*?"
        )
    ]
    buttons = [
        button(
            f"{PICK_PREFIX}{p.id}",
            p.name + (f" ({p.code})" if p.code else ""),
            f"{vote.id}:{choice}:{p.id}",
        )
        for p in choice_view.practices
    ]
    for i in range(0, len(buttons), MAX_BUTTONS):
        blocks.append(
            actions(f"vote_pick_{vote.id}_{i // MAX_BUTTONS}", buttons[i : i + MAX_BUTTONS])
        )
    return text, blocks


def ballot_reply(outcome) -> str:
    practice = f"*{esc(outcome.practice.name)}*" + (
        f" ({esc(outcome.practice.code)})" if outcome.practice.code else ""
    )
    choice = CHOICE_LABEL[outcome.choice]
    head = f"vote #{outcome.vote.id} “{esc(outcome.vote.question)}”"
    if not outcome.changed:
        return f"{practice} was already recorded as *{choice}* in {head}. Nothing changed."
    if outcome.previous:
        return (
            f"Changed: {practice} now votes *{choice}* (was {CHOICE_LABEL[outcome.previous]}) in {head}. "
            "Only the latest choice counts."
        )
    return (
        f"Recorded: {practice} votes *{choice}* in {head}. You can change it until the vote closes."
    )


def _figures_line(f: rules.Figures, unit: str = "") -> str:
    u = f" {unit}" if unit else ""
    return (
        f"For {f.for_:,}{u} · Against {f.against:,}{u} · Abstain {f.abstain:,}{u} · "
        f"Not yet voted {f.not_voted:,}{u}"
    )


def _names(electors, limit: int = MAX_NAMED) -> str:
    shown = ", ".join(esc(e.name) for e in electors[:limit])
    return shown + (f" …and {len(electors) - limit:,} more" if len(electors) > limit else "")


def _turnout_line(t: rules.Tally) -> str:
    parts = [
        f"Turnout {t.practices.turnout:,} of {plural(t.practices.electorate, 'practice')} "
        f"({t.practices.turnout_percent:.1f}%)"
    ]
    if t.weighted and t.list_size is not None:
        parts.append(
            f"{t.list_size.turnout:,} of list size {t.list_size.electorate:,} "
            f"({t.list_size.turnout_percent:.1f}%)"
        )
    line = "; ".join(parts)
    if t.quorum_percent is not None:
        unit = " of list size" if t.weighted else ""
        line += f". Quorum {t.quorum_percent}% ({t.quorum_needed:,}{unit}): " + (
            "met" if t.quorum_met else "not met"
        )
    return line + "."


def tally_text(view, show_sizes: bool = False) -> str:
    vote, t, tz = view.vote, view.tally, view.programme.timezone
    closed = vote.state == "closed"
    lines = [
        f"*Vote #{vote.id}: {esc(vote.question)}*",
        f"{terms(vote)}. Electorate: {electorate_text(vote, t)}. "
        + (
            f"Closed {format_datetime(vote.closed_at, tz)}."
            if closed
            else f"Closes {format_datetime(vote.closes_at, tz)}."
        ),
    ]
    if t.mode == "aggregate":
        lines.append(f"Counted at a meeting (recorded by <@{view.aggregate.recorded_by}>).")
    lines.append("Practices: " + _figures_line(t.practices))
    if (show_sizes or t.weighted) and t.list_size is not None:
        lines.append("List size: " + _figures_line(t.list_size))
    lines.append(_turnout_line(t))
    lines.append(("*Result*: " if closed else "*If it closed now*: ") + t.explain())
    if t.mode == "ballots" and t.not_voted and not closed:
        lines.append(f"Not yet voted ({len(t.not_voted):,}): {_names(list(t.not_voted))}")
    fc = view.forecast
    if fc is not None and t.not_voted:
        projected = {c: sum(1 for v in fc.projected.values() if v == c) for c in rules.CHOICES}
        lines.append(
            f"*Forecast* from engagement positions of those yet to vote (support {projected['for']}, "
            f"oppose {projected['against']}, neutral {projected['abstain']}; the undecided staying away): "
            + fc.tally.explain()
        )
        if fc.undecided:
            lines.append(
                f"Undecided or never asked, worth a conversation ({len(fc.undecided):,}): "
                f"{_names(list(fc.undecided))}"
            )
    if closed:
        lines.append(f"Checksum of the ballots: `{t.checksum}`")
    return "\n".join(lines)


def result_text(view) -> str:
    """The channel post when a vote closes."""
    vote, t = view.vote, view.tally
    head = "CARRIED" if t.carried else "NOT CARRIED"
    closer = "at its closing time" if vote.closed_by == SCHEDULER else f"by <@{vote.closed_by}>"
    lines = [
        f"*Vote #{vote.id} has closed ({closer}): {head}*",
        f"{esc(vote.question)}",
        t.explain(),
        "Practices: " + _figures_line(t.practices),
    ]
    if t.list_size is not None and (t.weighted or t.mode == "ballots"):
        lines.append("List size: " + _figures_line(t.list_size))
    lines.append(_turnout_line(t))
    lines.append(
        f"{terms(vote)}. Checksum of the ballots (sha256): `{t.checksum}`. "
        "`/consult export ballots` gives the ballots, which reproduce it."
    )
    decided = decision_text(view)
    if decided:
        lines.append(decided)
    return "\n".join(lines)


def reminder_text(due) -> str:
    """A DM to someone whose practices (`due.practices`) have not voted yet."""
    vote, tz, practices = due.vote, due.programme.timezone, due.practices
    when = {"7": "in 7 working days", "1": "tomorrow (the next working day)", "0": "today"}[
        due.slot
    ]
    names = ", ".join(f"*{esc(p)}*" for p in practices)
    return (
        f"Reminder: vote #{vote.id} of *{esc(due.programme.name)}* closes {when}, "
        f"{format_datetime(vote.closes_at, tz)}, and {names} {'has' if len(practices) == 1 else 'have'} not voted yet.\n"
        f"“{esc(vote.question)}”\nVote with the For / Against / Abstain buttons on the vote message in "
        f"<#{due.programme.channel_id}>."
    )


def turnout_warning_text(view) -> str:
    vote, t, tz = view.vote, view.tally, view.programme.timezone
    return (
        f":warning: Turnout in vote #{vote.id} is below its quorum with one working day to go "
        f"(closes {format_datetime(vote.closes_at, tz)}). {_turnout_line(t)} "
        f"Not yet voted ({len(t.not_voted):,}): {_names(list(t.not_voted))}"
    )


def vote_list_text(programme, rows) -> str:
    if not rows:
        return 'This programme has no votes yet. An admin opens one with `/consult vote open "<question>" --closes <date>`.'
    lines = [f"*Votes of {esc(programme.name)}*"]
    for vote, t in rows:
        if vote.state == "open":
            status = (
                f"open, closes {format_datetime(vote.closes_at, programme.timezone)}; turnout "
                f"{t.practices.turnout:,}/{t.practices.electorate:,}"
            )
        else:
            status = f"closed {format_datetime(vote.closed_at, programme.timezone)}: {t.outcome}"
        lines.append(f"• #{vote.id} {esc(vote.question)} ({status})")
    return "\n".join(lines)
