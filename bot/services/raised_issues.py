"""Issues raised by stakeholders and what the programme did about them.

`/consult issue add|rename|merge|list|respond|tag|untag|suggest`, `/consult issues`,
tagging when an engagement is logged (`--issue`, the form, #hashtags),
`/consult coverage --issue`, and `/consult export issues`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .. import clock
from .. import raised_issues as rules
from ..context import Actor
from ..dates import format_date, parse_date
from ..errors import Conflict, NotFound, UsageError
from ..grammar import closest
from ..ports import UnitOfWork
from ..spreadsheet import csv_bytes
from ..typed_text import clean_typed
from .access import audit, is_admin, programme_for, require_admin, snapshot
from .directory import lazy_names
from .spans import check_in_span

if TYPE_CHECKING:
    from storage.models import (
        Engagement,
        Programme,
        RaisedIssue,
        RaisedIssueStakeholder,
        Stakeholder,
    )


# -- finding an issue ---------------------------------------------------------------
def resolve_issue(uow: UnitOfWork, programme: Programme, ref: str) -> RaisedIssue:
    """An issue by its number (`12` or `#12`) or its name (or a #hashtag of it, or enough
    of it to be unique). A merged issue's number leads to the issue it was merged into."""
    text = (ref or "").strip()
    if not text:
        raise UsageError("Say which issue: its number or its name. `/consult issues` lists them.")
    bare = text.lstrip("#")
    if bare.isdigit():
        issue = uow.raised_issues.get(programme.id, int(bare))
        seen: set[int] = set()
        while issue is not None and issue.merged_into_id is not None and issue.id not in seen:
            seen.add(issue.id)
            issue = uow.raised_issues.get(programme.id, issue.merged_into_id)
        if issue is None:
            raise NotFound(
                f"There is no issue #{bare} in this programme. `/consult issues` lists them."
            )
        return issue
    key = rules.name_key(bare)
    if key:
        issue = uow.raised_issues.by_key(programme.id, key)
        if issue is not None:
            return issue
        live = uow.raised_issues.ranked(programme.id)
        partial = [i for i in live if key in i.name_key]
        if len(partial) == 1:
            return partial[0]
        if len(partial) > 1:
            shown = "\n".join(f"• #{i.id} {i.name}" for i in partial[:10])
            raise UsageError(
                f"{text[:80]!r} matches several issues; use the number or more of the name:\n{shown}"
            )
        hint = closest(bare, [i.name for i in live])
        raise NotFound(
            f"No issue is called {text[:80]!r}."
            + (f" Did you mean {hint!r}?" if hint else "")
            + f' Add it with `/consult issue add "{text[:80]}"`, or see `/consult issues`.'
        )
    raise NotFound(f"No issue is called {text[:80]!r}. `/consult issues` lists them.")


@dataclass
class Tagging:
    """What an engagement will be tagged with, and the hashtags that matched nothing."""

    issues: list[tuple[RaisedIssue, str]] = field(default_factory=list)  # [(issue, source)]
    unknown_hashtags: list[str] = field(default_factory=list)


def read_tags(
    uow: UnitOfWork, programme: Programme, refs: list[str], summary: str | None, source: str
) -> Tagging:
    """Named issues must exist (a typo is an error, nothing is logged); #hashtags in the
    summary that match no issue are only reported, since people use them for other things."""
    out = Tagging()
    seen: set[int] = set()
    for ref in refs:
        issue = resolve_issue(uow, programme, ref)
        if issue.id not in seen:
            seen.add(issue.id)
            out.issues.append((issue, source))
    for tag in rules.hashtags(summary):
        named = uow.raised_issues.by_key(programme.id, rules.name_key(tag))
        if named is None:
            out.unknown_hashtags.append(tag)
        elif named.id not in seen:
            seen.add(named.id)
            out.issues.append((named, "hashtag"))
    return out


def apply_tags(
    uow: UnitOfWork, actor: Actor, programme: Programme, engagement: Engagement, tagging: Tagging
) -> list[RaisedIssue]:
    """Tag a new engagement (inside the unit of work that logs it), audited."""
    tagged: list[RaisedIssue] = []
    for issue, source in sorted(tagging.issues, key=lambda x: x[0].id):  # lock order
        if uow.raised_issues.tag(
            engagement, issue.id, source=source, by=actor.user_id, at=clock.now()
        ):
            audit(
                uow,
                actor,
                programme,
                "issue.tag",
                "raised_issue",
                issue.id,
                after={"engagement": engagement.id, "issue": issue.id, "source": source},
            )
            tagged.append(issue)
    for issue in tagged:
        refresh_vocabulary(uow, issue)
    return tagged


def refresh_vocabulary(uow: UnitOfWork, issue: RaisedIssue) -> None:
    """Keep the words an issue's suggestions rank by in step (after a tag, an edit, a rename)."""
    latest = uow.raised_issues.latest_summaries(issue.id, rules.VOCABULARY_SUMMARIES)
    issue.vocabulary = rules.vocabulary(
        issue.name, [issue.description or ""] + [s for _, _, s in latest]
    )


def suggestions_for(
    uow: UnitOfWork, programme: Programme, text: str, limit: int = 3
) -> list[rules.Suggestion]:
    """One read of the programme's issues with their stored words: the same cost whatever
    the length of the log."""
    return rules.rank(
        text,
        {
            id: (name, words or rules.vocabulary(name, [description or ""]))
            for id, name, words, description in uow.raised_issues.words(programme.id)
        },
        limit,
    )


def form_choices(
    actor: Actor, programme_ids: list[int], uow: UnitOfWork
) -> dict[int, list[RaisedIssue]]:
    """{programme id: its live issues, most raised first} for the engagement form."""
    out: dict[int, list[RaisedIssue]] = {}
    with uow:
        for pid in programme_ids:
            programme = uow.programmes.get(pid)
            if programme is not None and programme.team_id == actor.team_id:
                out[pid] = uow.raised_issues.ranked(pid, limit=100)
    return out


# -- the list and its changes --------------------------------------------------------
def _new_name(
    uow: UnitOfWork,
    programme: Programme,
    text: str | None,
    what: str = "The issue's name",
    keep: RaisedIssue | None = None,
) -> tuple[str, str]:
    name = rules.read_name(text, what)
    key = rules.name_key(name)
    clash = uow.raised_issues.by_key(programme.id, key)
    if clash is not None and clash is not keep:
        raise Conflict(
            f"Issue #{clash.id} is already called {clash.name!r}. "
            f'Tag engagements with it (`--issue "{clash.name}"`), or give this one another name.'
        )
    return name, key


def add_issue(
    actor: Actor, channel_id: str, name: str | None, uow: UnitOfWork, description: str | None = None
) -> tuple[Programme, RaisedIssue]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        issue = create_issue(uow, actor, programme, name, description)
        uow.commit()
        return programme, issue


def create_issue(
    uow: UnitOfWork,
    actor: Actor,
    programme: Programme,
    name: str | None,
    description: str | None = None,
) -> RaisedIssue:
    """Inside an open unit of work (the form creates one while logging)."""
    checked, key = _new_name(uow, programme, name)
    issue = uow.raised_issues.create(
        programme_id=programme.id,
        name=checked,
        name_key=key,
        description=rules.read_description(description),
        created_by=actor.user_id,
        created_at=clock.now(),
    )
    issue.vocabulary = rules.vocabulary(issue.name, [issue.description or ""])
    audit(uow, actor, programme, "issue.add", "raised_issue", issue.id, after=snapshot(issue))
    return issue


def _may_change(
    uow: UnitOfWork, actor: Actor, programme: Programme, issue: RaisedIssue, doing: str
) -> None:
    if issue.created_by != actor.user_id:
        require_admin(uow, actor, programme, doing)


def rename_issue(
    actor: Actor,
    channel_id: str,
    ref: str,
    new_name: str | None,
    uow: UnitOfWork,
    description: str | None = None,
) -> tuple[Programme, RaisedIssue, str]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        issue = resolve_issue(uow, programme, ref)
        _may_change(uow, actor, programme, issue, "rename an issue someone else added")
        before = snapshot(issue)
        old_name = issue.name
        if new_name is not None:
            issue.name, issue.name_key = _new_name(
                uow, programme, new_name, "The new name", keep=issue
            )
        if description is not None:
            issue.description = rules.read_description(description)
        if snapshot(issue) == before:
            raise Conflict(f"Issue #{issue.id} is already called {issue.name!r}; nothing changed.")
        issue.updated_at = clock.now()
        refresh_vocabulary(uow, issue)
        audit(
            uow, actor, programme, "issue.rename", "raised_issue", issue.id, before, snapshot(issue)
        )
        uow.commit()
        return programme, issue, old_name


def merge_issues(
    actor: Actor, channel_id: str, from_ref: str, into_ref: str, uow: UnitOfWork
) -> tuple[Programme, RaisedIssue, RaisedIssue, int, bool]:
    """`issue merge <from> <into>`: every engagement tagged with the first is tagged with the second.

    Returns (programme, merged issue, issue kept, engagements moved, whether the kept one
    took the merged one's response, which it does only when it had none of its own)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "merge issues")
        source = resolve_issue(uow, programme, from_ref)
        target = resolve_issue(uow, programme, into_ref)
        if source.id == target.id:
            raise UsageError(f"Both name issue #{source.id}; give two different issues.")
        before_source, before_target = snapshot(source), snapshot(target)
        moved = uow.raised_issues.move_tags(source.id, target.id)
        source.merged_into_id = target.id
        source.updated_at = target.updated_at = clock.now()
        carried = target.state == rules.OPEN and source.state != rules.OPEN and not target.response
        if carried:  # the merged issue had an answer and the other none: keep it (and say so)
            for name in ("state", "response", "reason", "response_owner", "responded_on"):
                setattr(target, name, getattr(source, name))
        refresh_vocabulary(uow, target)
        uow.flush()
        audit(
            uow,
            actor,
            programme,
            "issue.merge",
            "raised_issue",
            source.id,
            before_source,
            snapshot(source) | {"moved_engagements": moved},
        )
        audit(
            uow,
            actor,
            programme,
            "issue.merge_into",
            "raised_issue",
            target.id,
            before_target,
            snapshot(target),
        )
        uow.commit()
        return programme, source, target, len(moved), carried


def list_issues(
    actor: Actor, channel_id: str, uow: UnitOfWork
) -> tuple[Programme, list[RaisedIssue], date]:
    """`/consult issues`: (programme, issues most raised first, today)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        return programme, uow.raised_issues.ranked(programme.id), clock.today_in(programme.timezone)


def show_issue(
    actor: Actor, channel_id: str, ref: str, uow: UnitOfWork
) -> tuple[Programme, RaisedIssue, list[tuple[int, date, str]]]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        issue = resolve_issue(uow, programme, ref)
        return programme, issue, uow.raised_issues.latest_summaries(issue.id, 3)


def respond_issue(
    actor: Actor,
    channel_id: str,
    ref: str,
    response: str | None,
    uow: UnitOfWork,
    *,
    state: str | None = None,
    reason: str | None = None,
    owner_id: str | None = None,
    on: str | date | None = None,
) -> tuple[Programme, RaisedIssue]:
    """Record what the programme did about an issue: its response, state, owner and date."""
    state = rules.read_state(state) if state is not None else rules.RESPONDED
    response = clean_typed(response, "The response", multiline=True)
    reason = clean_typed(reason, "The reason", multiline=True) or None
    if not response and state != rules.OPEN:
        raise UsageError(
            'Say what was done, in quotes: `/consult issue respond 3 "We added a locality seat"`.'
        )
    if len(response) > rules.MAX_RESPONSE or len(reason or "") > rules.MAX_RESPONSE:
        raise UsageError(
            f"Keep the response and the reason to {rules.MAX_RESPONSE:,} characters each."
        )
    if state == rules.NOT_TAKEN_FORWARD and not reason:
        raise UsageError(
            "An issue not taken forward needs the reason, for the people who raised it: "
            'add `--reason "<why>"`.'
        )
    if reason and state != rules.NOT_TAKEN_FORWARD:
        raise UsageError(
            "`--reason` is for `--state not-taken-forward`: say why it was not taken forward."
        )
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "record the response to an issue")
        issue = resolve_issue(uow, programme, ref)
        today = clock.today_in(programme.timezone)
        day = on if isinstance(on, date) else (parse_date(on, today, past=True) if on else today)
        if day > today:
            raise UsageError(
                f"{format_date(day)} is in the future: record a response once it is given."
            )
        if issue.first_raised_on and day < issue.first_raised_on:
            raise UsageError(
                f"{format_date(day)} is before issue #{issue.id} was first raised "
                f"({format_date(issue.first_raised_on)}): a response is dated from then on."
            )
        check_in_span(day, programme, today, "a response")
        before = snapshot(issue)
        issue.state = state
        issue.response = response or issue.response
        issue.reason = reason
        issue.response_owner = owner_id or actor.user_id
        issue.responded_on = day
        after = snapshot(issue)
        if {k: v for k, v in after.items() if k != "updated_at"} == {
            k: v for k, v in before.items() if k != "updated_at"
        }:
            raise Conflict(f"Issue #{issue.id} already has that response; nothing changed.")
        issue.updated_at = clock.now()
        audit(
            uow,
            actor,
            programme,
            "issue.respond",
            "raised_issue",
            issue.id,
            before,
            snapshot(issue),
        )
        uow.commit()
        return programme, issue


# -- tags on one engagement -----------------------------------------------------------
def _engagement(uow: UnitOfWork, programme: Programme, engagement_id: int) -> Engagement:
    e = uow.engagements.get(programme.id, engagement_id)
    if e is None:
        raise NotFound(f"There is no engagement #{engagement_id} in this programme.")
    return e


def tag_engagement(
    actor: Actor,
    channel_id: str | None,
    engagement_id: int,
    refs: list[str],
    uow: UnitOfWork,
    *,
    source: str = "command",
    programme_id: int | None = None,
) -> tuple[Programme, Engagement, list[RaisedIssue]]:
    """Tag a logged engagement (a confirmed suggestion, or a tag added later)."""
    if not refs:
        raise UsageError("Say which issue(s) to tag it with.")
    with uow:
        if programme_id is not None:  # a button: the programme comes with the click
            programme = uow.programmes.get(programme_id)
            if programme is None or programme.team_id != actor.team_id:
                raise NotFound("That programme no longer exists.")
        else:
            programme = programme_for(uow, actor, channel_id or "")  # no channel: no programme
        e = _engagement(uow, programme, engagement_id)
        if e.withdrawn_at is not None:
            raise Conflict(f"Engagement #{e.id} was withdrawn; tag a live one.")
        tagging = Tagging([(resolve_issue(uow, programme, r), source) for r in refs])
        tagged = apply_tags(uow, actor, programme, e, tagging)
        if not tagged:
            names = ", ".join(repr(i.name) for i, _ in tagging.issues)
            raise Conflict(f"Engagement #{e.id} is already tagged with {names}.")
        uow.commit()
        return programme, e, tagged


def untag_engagement(
    actor: Actor, channel_id: str, engagement_id: int, ref: str, uow: UnitOfWork
) -> tuple[Programme, Engagement, RaisedIssue]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        e = _engagement(uow, programme, engagement_id)
        issue = resolve_issue(uow, programme, ref)
        if e.logged_by != actor.user_id and not is_admin(uow, actor, programme):
            require_admin(uow, actor, programme, "take a tag off someone else's engagement")
        if not uow.raised_issues.untag(e.id, issue.id):
            raise Conflict(f"Engagement #{e.id} is not tagged with {issue.name!r}.")
        refresh_vocabulary(uow, issue)
        audit(
            uow,
            actor,
            programme,
            "issue.untag",
            "raised_issue",
            issue.id,
            before={"engagement": e.id, "issue": issue.id},
        )
        uow.commit()
        return programme, e, issue


def suggest_for_engagement(
    actor: Actor, channel_id: str, engagement_id: int, uow: UnitOfWork
) -> tuple[Programme, Engagement, list[RaisedIssue], list[rules.Suggestion]]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        e = _engagement(uow, programme, engagement_id)
        tagged = uow.raised_issues.issues_of(e.id)
        found = [
            s
            for s in suggestions_for(uow, programme, e.summary)
            if s.issue_id not in {i.id for i in tagged}
        ]
        return programme, e, tagged, found


# -- coverage of one issue --------------------------------------------------------------
@dataclass
class IssueCoverage:
    programme: Programme
    issue: RaisedIssue
    today: date
    raised: list[tuple[Stakeholder, RaisedIssueStakeholder]]
    heard: list[Stakeholder]  # engaged since it was first raised, without raising it
    # [(stakeholder, last engaged or None)]: not engaged since it was first raised
    not_asked: list[tuple[Stakeholder, date | None]]


def issue_coverage(actor: Actor, channel_id: str, ref: str, uow: UnitOfWork) -> IssueCoverage:
    """`/consult coverage --issue <id>`: who raised it, and who has not been asked about it."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        issue = resolve_issue(uow, programme, ref)
        raised = [(s, r) for s, r in uow.raised_issues.raisers(issue.id) if s.removed_at is None]
        raisers = {s.id for s, _ in raised}
        last = uow.engagements.last_engaged(programme.id)
        since = issue.first_raised_on
        heard: list[Stakeholder] = []
        not_asked: list[tuple[Stakeholder, date | None]] = []
        for s in uow.stakeholders.list(programme.id):
            if s.id in raisers:
                continue
            when = last.get(s.id)
            if since is not None and when is not None and when >= since:
                heard.append(s)
            else:
                not_asked.append((s, when))
        not_asked.sort(key=lambda x: (x[1] or date.min, x[0].type, x[0].name.lower()))
        return IssueCoverage(
            programme, issue, clock.today_in(programme.timezone), raised, heard, not_asked
        )


# -- export ----------------------------------------------------------------------------------
EXPORT_HEADER = [
    "issue_id",
    "issue",
    "description",
    "state",
    "response",
    "reason",
    "response_owner",
    "response_owner_name",
    "responded_on",
    "issue_stakeholders",
    "issue_engagements",
    "stakeholder_type",
    "stakeholder",
    "stakeholder_code",
    "list_size",
    "engagements",
    "first_raised",
    "last_raised",
]


def issues_csv(actor: Actor, channel_id: str, uow: UnitOfWork) -> tuple[Programme, bytes, int]:
    """(programme, CSV bytes, number of issues): one row per issue and stakeholder who raised it."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        seen: set[int] = set()
        person = lazy_names(uow, programme.team_id)

        def rows() -> Iterator[list[object]]:
            for issue, s, r in uow.raised_issues.export_rows(programme.id):
                seen.add(issue.id)
                yield [
                    issue.id,
                    issue.name,
                    issue.description or "",
                    rules.STATE_LABELS.get(issue.state, issue.state),
                    issue.response or "",
                    issue.reason or "",
                    issue.response_owner or "",
                    person(issue.response_owner),
                    issue.responded_on.isoformat() if issue.responded_on else "",
                    issue.stakeholders,
                    issue.engagements,
                    s.type if s else "",
                    s.name if s else "",
                    (s.code or "") if s else "",
                    (s.list_size if s.list_size is not None else "") if s else "",
                    r.engagements if r else "",
                    r.first_raised_on.isoformat() if r else "",
                    r.last_raised_on.isoformat() if r else "",
                ]

        content = csv_bytes(EXPORT_HEADER, rows())
        return programme, content, len(seen)
