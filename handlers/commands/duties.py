"""`/consult duties` and `/consult duty ...`: duties by kind and the template's checklist."""

from __future__ import annotations

from bot import duties as rules
from bot import programme_templates
from bot import votes as vote_rules
from bot.dates import BEFORE_START, format_date, passed_before_start
from bot.errors import UsageError
from bot.grammar import choice, parse, user_id
from bot.rendering import esc
from bot.services import duties as svc
from bot.services.programmes import parse_date_in_programme

from .subcommand import CommandRequest, subcommand

LIST_USAGE = """/consult duties              # duties grouped by kind (statutory, case law, guidance, constitution, local), open first
/consult duties checklist    # the template's checklist (co-commissioning: `eoi`, sections A to H; service-change: `gunning`)"""
USAGE = """/consult duty show <id>
/consult duty done <id> --evidence <url | engagement number | message link> [--board "<name>"]   # no evidence, no done (unless added before); --board: the stakeholder agreed, for a duty that chooses one (e.g. the HWBB invited to the committee)
/consult duty done <id> --vote <vote id>   # a vote that carried under its rule and quorum (an open one: decides it at closing)
/consult duty na <id> "<reason>"
/consult duty reopen <id>
/consult duty evidence <id> <url | engagement number | message link>
/consult duty owner <id> <@user>        (or `none`)
/consult duty note <id> "<text>"
/consult duty due <id> <date>           (or `none`)
/consult duty revision "<what changed>" [--due <date>]   # a significant revision, for a template with revision duties (co-commissioning: consult each HWBB again, s14Z12)"""
VERBS = ["show", "done", "na", "reopen", "evidence", "owner", "note", "due", "revision"]
LIST_LIMIT = 40
STATE_MARK = {rules.OPEN: "○", rules.DONE: "✓", rules.NA: "–", rules.CANCELLED: "×"}


def _short_statute(statute: str | None) -> str:
    return f" _{esc(statute)}_" if statute else ""


def vote_facts(duty, votes) -> list[str]:
    """The votes linked to decide a duty: the one that discharged it, or what is pending."""
    out = []
    for vote in votes:
        if vote.state == "open":
            out.append(f"to be decided by vote #{vote.id}")
        elif vote_rules.stored_result(vote).get("carried"):
            if duty.state == rules.DONE:
                out.append(f"done by vote #{vote.id} “{esc(vote.question)}”, carried")
        else:
            out.append(f"vote #{vote.id} did not carry")
    return out


def duty_line(duty, evidence: int, today, votes=(), began_on=None) -> str:
    parts = [
        f"{STATE_MARK.get(duty.state, '?')} *{duty.id}* {esc(duty.title)}{_short_statute(duty.statute)}"
    ]
    facts = []
    if duty.state == rules.OPEN and duty.due_on:
        overdue = rules.is_overdue(duty, today, began_on)
        when = f"due {format_date(duty.due_on)} ({rules.days_word(duty.due_on, today, began_on)})"
        facts.append(f"*{when}*" if overdue else when)
        facts += [f"_{q}_" for q in rules.due_qualifiers(duty, brief=True)]
    elif duty.state == rules.CANCELLED:
        facts.append(f"cancelled: {esc(duty.reason or '')}")
    elif duty.state == rules.NA:
        facts.append(f"not applicable: {esc(duty.reason or '')}")
    decided = vote_facts(duty, votes)
    if duty.state == rules.DONE and not any(f.startswith("done by") for f in decided):
        facts.append("done")
    facts += decided
    if duty.owner_id:
        facts.append(f"owner <@{duty.owner_id}>")
    facts.append(f"{evidence} evidence" if evidence else "no evidence yet")
    return parts[0] + "\n      " + " · ".join(facts)


@subcommand(
    "duties",
    summary="Duties by kind, with their sources, and the template's checklist",
    usage=LIST_USAGE,
    example="/consult duties checklist",
)
def duties_callback(req: CommandRequest, args: list[str]) -> None:
    words = ["duties", "checklist"] + [
        c["word"] for t in programme_templates.summaries() if (c := t.get("checklist"))
    ]
    if len(args) > 1:
        raise UsageError("Give at most one word: `checklist` for the template's checklist.")
    section = rules.DUTY
    if args:
        word = choice(args[0], words, "list of duties", LIST_USAGE)
        section = rules.DUTY if word == "duties" else rules.EOI
    listing = svc.list_duties(req.actor, req.channel_id, req.uow, section=section)
    rows = listing.duties
    name = esc(listing.programme.name)
    checklist = (listing.template or {}).get("checklist") or {}
    register_hints = _register_hints(listing) if section == rules.DUTY else []
    if not rows:
        if section == rules.EOI:
            req.out.reply(
                f"*{name}* has no checklist: it comes with a template that has one "
                f"({_templates_with('checklist')}; `/consult templates` lists them)."
            )
        elif listing.template:
            how = programme_templates.text(listing.template, "no_duties")
            req.out.reply(
                f"*{name}* has no duties yet. They come with its template"
                + (f": {how}." if how else ".")
            )
        else:
            req.out.reply(
                f"*{name}* has no duties: they come with a template (`/consult templates` lists "
                "them; `/consult programme template <template>` gives one to this programme)."
            )
        return
    today = listing.today
    counts = {s: sum(1 for d in rows if d.state == s) for s in rules.STATES}
    overdue = sum(1 for d in rows if rules.is_overdue(d, today, listing.began_on))
    before = sum(
        1 for d in rows if d.state == rules.OPEN and passed_before_start(d.due_on, listing.began_on)
    )
    title = checklist.get("heading", "Checklist") if section == rules.EOI else "Duties"
    notes = ([f"{overdue} overdue"] if overdue else []) + (
        [f"{before} {BEFORE_START}"] if before else []
    )
    head = (
        f"*{name}: {title}*\n{counts[rules.OPEN]} open"
        + (f" ({', '.join(notes)})" if notes else "")
        + f", {counts[rules.DONE]} done, {counts[rules.NA]} not applicable"
    )
    lines = [head]
    shown = rows[:LIST_LIMIT]
    groups = (
        [(None, None, shown)] if section == rules.EOI else rules.by_kind(shown, listing.template)
    )
    for _kind, heading, duties in groups:
        lines.append(f"\n*{heading}*" if heading else "")
        for duty in duties:
            lines.append(
                duty_line(
                    duty,
                    listing.evidence_counts.get(duty.id, 0),
                    today,
                    listing.votes.get(duty.id, ()),
                    listing.began_on,
                )
            )
            if section == rules.EOI and duty.state == rules.OPEN:
                item = rules.checklist_item(listing.template, duty.key) or {}
                if item.get("asks"):
                    lines.append(
                        f"      {checklist.get('asks_label', 'It asks')}: _{esc(item['asks'])}_"
                    )
                if duty.id in listing.spans:
                    lines.append(f"      {esc(listing.spans[duty.id])}")
                if item.get("excludes"):
                    label = checklist.get("excludes_label", "Outside the scope")
                    lines.append(f"      {label}: _{esc(item['excludes'])}_")
            if duty.source:
                lines.append(f"      Source: _{esc(rules.brief_source(duty))}_")
    if len(rows) > LIST_LIMIT:
        lines.append(f"…and {len(rows) - LIST_LIMIT} more (done or not applicable).")
    for hint in register_hints:
        lines.append(f"\n{hint}")
    lines.append(
        "\nMark one done: `/consult duty done <id> --evidence <link or engagement number>` · "
        "`/consult duty show <id>` for its evidence"
    )
    req.out.reply("\n".join(lines))


def _templates_with(part: str) -> str:
    return ", ".join(t["name"] for t in programme_templates.summaries() if t.get(part)) or "none"


def _register_hints(listing) -> list[str]:
    """With nobody of a type in the register that the template's duties are owed to each of
    (e.g. no Health and Wellbeing Board), those duties are missing: say so, and how adding one
    brings them. The words for each type are the template's (`register_hints`)."""
    out = []
    words_of = (listing.template or {}).get("register_hints") or {}
    owed_by_type = rules.per_stakeholder_duties(listing.template, listing.programme.model)
    for type_, owed in owed_by_type.items():
        if listing.register_counts.get(type_):
            continue
        words = words_of.get(type_, {})
        each = words.get("each", "one")
        statutes = sorted({d["statute"] for d in owed if d.get("statute")})
        acts = {x.rsplit(" ", 1)[0] for x in statutes}
        among = (
            f" ({', '.join(x.rsplit(' ', 1)[1] for x in statutes)} of the {acts.pop()} among them)"
            if len(acts) == 1
            else (f" ({', '.join(statutes)} among them)" if statutes else "")
        )
        out.append(
            f":information_source: {words.get('none', f'No {type_} is in the register')}, so the "
            f"{len(owed)} duties owed to each {each}{among} are not listed yet. Add each {each} "
            f'with `/consult stakeholder add {type_} "<name>"` and its duties follow.'
        )
    return out


def _one(rest: list[str], what: str) -> str:
    if len(rest) != 1:
        raise UsageError(what)
    return rest[0]


def _evidence_line(row, engagements, votes) -> str:
    if row.kind == "engagement":
        e = engagements.get(row.engagement_id)
        if e is None:
            return f"engagement {row.engagement_id}"
        return f"engagement {e.id}: {format_date(e.occurred_on)}, {esc(e.kind)}: {esc(e.summary[:200])}"
    if row.kind == "vote":
        vote = votes.get(row.vote_id)
        return (
            f"vote #{vote.id} “{esc(vote.question)}”, carried"
            + (f" (closed {format_date(vote.closed_at.date())})" if vote.closed_at else "")
            if vote is not None
            else f"vote #{row.vote_id}, carried"
        )
    if row.kind == rules.DECISION:
        return f"the model chosen with `/consult programme model` by <@{row.added_by}>, {format_date(row.added_at.date())}"
    return f"<{row.url}>" if row.kind == "url" else f"<{row.url}|message in Slack>"


@subcommand(
    "duty",
    summary="Complete a duty, evidence it, set it not applicable, give it an owner or a note",
    usage=USAGE,
    example="/consult duty done 4 --evidence https://example.org/plan.pdf",
)
def duty_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError("Say what to do with a duty: " + ", ".join(VERBS) + ".")
    verb = choice(args[0], VERBS, "duty command", USAGE)
    rest = args[1:]
    {
        "show": _show,
        "done": _done,
        "na": _na,
        "reopen": _reopen,
        "evidence": _evidence,
        "owner": _owner,
        "note": _note,
        "due": _due,
        "revision": _revision,
    }[verb](req, rest)


def _show(req: CommandRequest, rest: list[str]) -> None:
    detail = svc.show_duty(
        req.actor, req.channel_id, _one(rest, "Say which duty, by its number."), req.uow
    )
    d = detail.duty
    lines = [duty_line(d, len(detail.evidence), detail.today, detail.votes, detail.began_on)]
    lines.append(f"What it is: {esc(rules.basis(d, detail.template))}")
    lines.append(f"Source: {esc(d.source) if d.source else 'none recorded (a duty added by hand)'}")
    if d.due_on:
        lines.append(f"Due: {esc(rules.due_text(d))}")
        if d.due_note or d.provisional:
            lines.append(f"Move it with `/consult duty due {d.id} <date>`.")
    checklist = (detail.template or {}).get("checklist") or {}
    if detail.span:
        lines.append(esc(detail.span))
    if detail.facts:
        lines.append("From the log: " + "; ".join(esc(f) for f in detail.facts) + ".")
    if detail.asks:
        lines.append(f"{checklist.get('asks_label', 'It asks')}: _{esc(detail.asks)}_")
    if detail.excludes:
        lines.append(
            f"{checklist.get('excludes_label', 'Outside the scope')}: _{esc(detail.excludes)}_"
        )
    if d.notes:
        lines.append(f"Note: {esc(d.notes)}")
    if d.state == rules.OPEN and detail.decided_by_vote and not detail.votes:
        lines.append(
            f'A vote decides it: open one with `/consult vote open "<question>" --closes <date> '
            f"--duty {d.id}`, or give a closed one with `/consult duty done {d.id} --vote <vote id>`. "
            "Only a vote linked to it, carried under its rule and quorum, discharges it."
        )
    if detail.evidence:
        lines.append("Evidence:")
        votes = {v.id: v for v in detail.votes}
        lines += [f"• {_evidence_line(e, detail.engagements, votes)}" for e in detail.evidence]
    req.out.reply("\n".join(lines))


def _done(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"evidence", "board", "vote"}, usage=USAGE)
    if p.opt("vote") is not None:
        if p.opt("board") is not None:
            raise UsageError("Give `--vote` or `--board`, not both.")
        ref = _one(p.words, "Say which duty the vote decides, by its number.")
        decision = svc.complete_duty_by_vote(req.actor, req.channel_id, ref, p.opt("vote"), req.uow)
        for more in p.all("evidence"):
            svc.add_duty_evidence(req.actor, req.channel_id, ref, more, req.uow)
        duty, vote = decision.duty, decision.vote
        req.out.reply(
            f"Vote #{vote.id} is still open; it now decides *{duty.id}* {esc(duty.title)}: "
            "if it carries under its rule and quorum, the duty is done with it as evidence."
            if decision.linked_only
            else f"Done: *{duty.id}* {esc(duty.title)}, by vote #{vote.id} "
            f"“{esc(vote.question)}”, which carried."
        )
        return
    if p.opt("board") is not None:
        agreed, invitation, _created = svc.choose_stakeholder(
            req.actor,
            req.channel_id,
            _one(p.words, "Say which duty is done, by its number."),
            p.opt("board"),
            req.uow,
            evidence=p.all("evidence"),
        )
        req.out.reply(
            f"Done: *{agreed.id}* {esc(agreed.notes or '')}"
            + (
                f" Next: *{invitation.id}* {esc(invitation.title)}."
                if invitation is not None
                else ""
            )
        )
        return
    duty, count = svc.complete_duty(
        req.actor,
        req.channel_id,
        _one(p.words, "Say which duty is done, by its number."),
        req.uow,
        evidence=p.all("evidence"),
    )
    req.out.reply(
        f"Done: *{duty.id}* {esc(duty.title)}. It has {count} piece{'s' if count != 1 else ''} of evidence."
    )


def _na(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 2:
        raise UsageError(
            'Give the duty\'s number and the reason in quotes, e.g. `na 4 "No joint committee"`.'
        )
    duty = svc.mark_not_applicable(req.actor, req.channel_id, rest[0], rest[1], req.uow)
    req.out.reply(f"Not applicable: *{duty.id}* {esc(duty.title)} ({esc(duty.reason)}).")


def _reopen(req: CommandRequest, rest: list[str]) -> None:
    duty = svc.reopen_duty(
        req.actor, req.channel_id, _one(rest, "Say which duty to reopen."), req.uow
    )
    req.out.reply(f"Open again: *{duty.id}* {esc(duty.title)}.")


def _evidence(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 2:
        raise UsageError(
            "Give the duty's number and one piece of evidence: a link (https://...), "
            "an engagement number, or a Slack message link."
        )
    duty, row, added = svc.add_duty_evidence(req.actor, req.channel_id, rest[0], rest[1], req.uow)
    what = "engagement " + str(row.engagement_id) if row.kind == "engagement" else f"<{row.url}>"
    req.out.reply(
        f"{'Added' if added else 'Already there'}: {what} as evidence for *{duty.id}* {esc(duty.title)}."
    )


def _owner(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 2:
        raise UsageError(
            "Give the duty's number and mention the owner, e.g. `owner 4 @jane` (or `none`)."
        )
    who = None if rest[1].lower() in ("none", "nobody") else user_id(rest[1])
    duty = svc.set_duty_owner(req.actor, req.channel_id, rest[0], who, req.uow)
    req.out.reply(
        f"<@{who}> now owns *{duty.id}* {esc(duty.title)}; they get its reminders."
        if who
        else f"*{duty.id}* has no owner now."
    )


def _note(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) != 2:
        raise UsageError(
            'Give the duty\'s number and the note in quotes, e.g. `note 4 "Sent to the board secretary"`.'
        )
    duty = svc.note_duty(req.actor, req.channel_id, rest[0], rest[1], req.uow)
    req.out.reply(f"Noted on *{duty.id}*: {esc(duty.notes)}")


def _due(req: CommandRequest, rest: list[str]) -> None:
    if len(rest) < 2:
        raise UsageError("Give the duty's number and its new due date (or `none`).")
    text = " ".join(rest[1:])
    due = None if text.lower() == "none" else _date(req, text)
    duty = svc.set_duty_due(req.actor, req.channel_id, rest[0], due, req.uow)
    req.out.reply(
        f"*{duty.id}* is now due {format_date(due)}."
        if due
        else f"*{duty.id}* has no due date now."
    )


def _revision(req: CommandRequest, rest: list[str]) -> None:
    p = parse(rest, {"due"}, usage=USAGE)
    if len(p.words) != 1:
        raise UsageError(
            'Say what changed, in quotes: `/consult duty revision "Budget section rewritten"`.'
        )
    due = _date(req, p.opt("due")) if p.opt("due") else None
    number, created = svc.record_revision(
        req.actor, req.channel_id, p.words[0], req.uow, due_on=due
    )
    lines = [
        f"Significant revision {number} recorded. Under s14Z12 each Health and Wellbeing Board is consulted "
        f"again and sent a copy: {len(created)} new duties."
    ]
    lines += [f"• *{d.id}* {esc(d.title)}" for d in created]
    req.out.reply("\n".join(lines))


def _date(req: CommandRequest, text: str):
    return parse_date_in_programme(text, req.actor, req.channel_id, req.uow)
