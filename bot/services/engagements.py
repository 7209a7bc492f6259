"""The engagement log: log, edit, withdraw, show; follow-up actions; the CSV export."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar

from .. import clock
from ..context import Actor
from ..coverage import KIND_ALIASES, KINDS, POSITION_ALIASES, POSITIONS
from ..dates import format_date, parse_date
from ..errors import Conflict, Forbidden, NotFound, UsageError
from ..grammar import closest
from ..ports import UnitOfWork
from ..raised_issues import Suggestion, name_key
from ..spreadsheet import csv_bytes
from ..typed_text import clean_typed
from . import raised_issues as issues_svc
from .access import audit, is_admin, programme_for, snapshot
from .directory import lazy_names
from .spans import check_in_span
from .stakeholders import resolve, resolve_in_list

if TYPE_CHECKING:
    from storage.models import Action, Engagement, Programme, RaisedIssue, Stakeholder

T = TypeVar("T")

MAX_SUMMARY = 3000
MAX_TITLE = 500
MAX_STAKEHOLDERS = 2000  # a whole CCG's practices in one go, but not a runaway list
SOURCES = ("command", "modal", "shortcut", "workflow")


class FieldErrors(UsageError):
    """Several things wrong at once, each tied to a field (the form shows them on the field)."""

    def __init__(self, errors: dict[str, str], usage: str | None = None):
        super().__init__(" ".join(errors.values()), usage)
        self.errors = errors


@dataclass
class FollowUp:
    """A follow-up action to create with an engagement."""

    title: str
    owner_id: str | None = None
    due: date | str | None = None


# -- reading what people typed --------------------------------------------------
def read_kind(text: str | None) -> str:
    value = (text or "").strip().lower()
    value = KIND_ALIASES.get(value, value)
    if value in KINDS:
        return value
    hint = closest(value, KINDS) if value else None
    raise UsageError(
        f"{(text or '')[:40]!r} is not a kind of engagement. Kinds: {', '.join(KINDS)}."
        + (f" Did you mean `{hint}`?" if hint else "")
    )


def read_position(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    value = POSITION_ALIASES.get(value, value)
    if value in POSITIONS:
        return value
    hint = closest(value, POSITIONS)
    raise UsageError(
        f"{text[:40]!r} is not a position. Positions: {', '.join(POSITIONS)}."
        + (f" Did you mean `{hint}`?" if hint else "")
    )


def read_day(value: date | str | None, today: date, *, past: bool = True) -> date:
    """The day of an engagement (one that has happened, unless `past` is False)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return today
    return value if isinstance(value, date) else parse_date(value, today, past=past)


def _summary(text: str | None) -> str:
    text = clean_typed(text, "The summary", multiline=True)
    if not text:
        raise UsageError("Say what happened: a short summary, in quotes.")
    if len(text) > MAX_SUMMARY:
        raise UsageError(f"The summary is {len(text):,} characters; keep it to {MAX_SUMMARY:,}.")
    return text


def _check(
    errors: dict[str, str], field_name: str, fn: Callable[..., T], *args: object
) -> T | None:
    try:
        return fn(*args)
    except UsageError as e:
        errors[field_name] = e.message
        return None


def _resolve_stakeholders(
    uow: UnitOfWork, programme: Programme, refs: list[str], group: str | None
) -> list[Stakeholder]:
    found: dict[int, Stakeholder] = {}
    for ref in refs:
        for s in resolve_in_list(uow, programme, ref):
            found.setdefault(s.id, s)
    if group is not None:
        members = uow.stakeholders.list(programme.id, group=group.strip())
        if not members:
            groups = sorted(uow.stakeholders.groups(programme.id))
            raise NotFound(
                f"No stakeholder is in the group {group[:80]!r}."
                + (
                    f" Groups: {', '.join(groups[:20])}."
                    if groups
                    else " No group has been set yet."
                )
            )
        for s in members:
            found.setdefault(s.id, s)
    if not found:
        raise UsageError(
            "Say which stakeholder(s) were engaged: codes or names, separated by commas, or `--group`."
        )
    if len(found) > MAX_STAKEHOLDERS:
        raise UsageError(
            f"That is {len(found):,} stakeholders; one engagement can name at most {MAX_STAKEHOLDERS:,}."
        )
    return list(found.values())


# -- logging ------------------------------------------------------------------------
def _validate(
    programme: Programme,
    today: date,
    kind: str | None,
    summary: str | None,
    on: date | str | None,
    position: str | None,
    follow_up: FollowUp | None,
    check_day: bool = True,
) -> tuple[str, str, str | None, date, FollowUp | None]:
    errors: dict[str, str] = {}
    kind_read = _check(errors, "kind", read_kind, kind)
    summary_read = _check(errors, "summary", _summary, summary)
    position = _check(errors, "position", read_position, position)
    day = _check(errors, "date", read_day, on, today)
    if day is not None and day > today:
        errors["date"] = (
            f"{format_date(day)} is in the future: log an engagement once it has happened "
            "(add the meeting as a deadline to plan it)."
        )
    elif day is not None and check_day:
        _check(errors, "date", check_in_span, day, programme, today, "an engagement")
    action = None
    if follow_up is not None:
        try:
            title = clean_typed(follow_up.title, "The follow-up action")
        except UsageError as e:
            errors["action_title"], title = e.message, ""
        due = _check(
            errors,
            "action_due",
            lambda v: (
                check_in_span(read_day(v, today, past=False), programme, today, "an action")
                if v
                else None
            ),
            follow_up.due,
        )
        if not title and (follow_up.owner_id or follow_up.due):
            errors["action_title"] = (
                "Say what the follow-up action is, or leave its owner and due date empty."
            )
        elif len(title) > MAX_TITLE:
            errors["action_title"] = f"Keep the action to {MAX_TITLE} characters."
        if due is not None and due < today:
            errors["action_due"] = f"{format_date(due)} has passed: give a due date from today on."
        if title:
            action = FollowUp(title, follow_up.owner_id, due)
    if errors:
        raise FieldErrors(errors)
    assert kind_read is not None and summary_read is not None and day is not None  # or an error
    return kind_read, summary_read, position, day, action


def record_engagement(
    uow: UnitOfWork,
    actor: Actor,
    programme: Programme,
    stakeholders: Sequence[Stakeholder],
    kind: str,
    summary: str,
    day: date,
    position: str | None,
    source: str,
    permalink: str | None,
    follow_up: FollowUp | None,
    logged_at: datetime | None = None,
    tagging: issues_svc.Tagging | None = None,
) -> tuple[Engagement, Action | None]:
    """Log one engagement, its tags and follow-up, inside an open unit of work (the commands and
    the demo data both log through here). Returns (engagement, its follow-up action or None)."""
    engagement = uow.engagements.create(
        [s.id for s in stakeholders],
        programme_id=programme.id,
        kind=kind,
        summary=summary,
        occurred_on=day,
        position=position,
        source=source,
        permalink=permalink,
        logged_by=actor.user_id,
        logged_at=logged_at or clock.now(),
    )
    after = snapshot(engagement) | {"stakeholders": [s.id for s in stakeholders]}
    audit(uow, actor, programme, "engagement.log", "engagement", engagement.id, after=after)
    if tagging is not None:
        issues_svc.apply_tags(uow, actor, programme, engagement, tagging)
    action = None
    if follow_up is not None:
        action = uow.actions.create(
            programme_id=programme.id,
            engagement_id=engagement.id,
            title=follow_up.title,
            owner_id=follow_up.owner_id or actor.user_id,
            due_on=follow_up.due,
            state="open",
            created_by=actor.user_id,
            created_at=clock.now(),
        )
        audit(uow, actor, programme, "action.add", "action", action.id, after=snapshot(action))
    return engagement, action


@dataclass
class Logged:
    programme: Programme
    engagement: Engagement
    stakeholders: list[Stakeholder]
    action: Action | None
    issues: list[RaisedIssue] = field(default_factory=list)  # the issues it was tagged with
    unknown_hashtags: list[str] = field(default_factory=list)
    # for an untagged one: issues it may have raised
    suggestions: list[Suggestion] = field(default_factory=list)


def _finish(
    uow: UnitOfWork,
    programme: Programme,
    engagement: Engagement,
    stakeholders: list[Stakeholder],
    action: Action | None,
    tagging: issues_svc.Tagging,
) -> Logged:
    tagged = [i for i, _ in tagging.issues]
    suggestions = (
        issues_svc.suggestions_for(uow, programme, engagement.summary) if not tagged else []
    )
    return Logged(
        programme, engagement, stakeholders, action, tagged, tagging.unknown_hashtags, suggestions
    )


def log_engagement(
    actor: Actor,
    channel_id: str,
    refs: list[str],
    kind: str | None,
    summary: str | None,
    uow: UnitOfWork,
    *,
    on: date | str | None = None,
    position: str | None = None,
    group: str | None = None,
    follow_up: FollowUp | None = None,
    issues: Sequence[str] = (),
    source: str = "command",
) -> Logged:
    """`/consult engage` (and the workflow step): one engagement linked to each stakeholder
    named (or in the group), tagged with the issues named (`--issue`) and those whose
    #hashtag is in the summary."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        today = clock.today_in(programme.timezone)
        kind_read, summary_read, position, day, follow_up = _validate(
            programme, today, kind, summary, on, position, follow_up
        )
        stakeholders = _resolve_stakeholders(uow, programme, refs, group)
        tagging = issues_svc.read_tags(uow, programme, list(issues), summary_read, "command")
        engagement, action = record_engagement(
            uow,
            actor,
            programme,
            stakeholders,
            kind_read,
            summary_read,
            day,
            position,
            source,
            None,
            follow_up,
            tagging=tagging,
        )
        logged = _finish(uow, programme, engagement, stakeholders, action, tagging)
        uow.commit()
        return logged


def log_engagement_from_form(
    actor: Actor,
    programme_id: int,
    stakeholder_ids: list[int],
    groups: list[str],
    kind: str | None,
    summary: str | None,
    uow: UnitOfWork,
    *,
    on: date | str | None = None,
    position: str | None = None,
    source: str = "modal",
    permalink: str | None = None,
    follow_up: FollowUp | None = None,
    issue_ids: Sequence[int] = (),
    new_issue: str | None = None,
) -> Logged:
    """The form (from `/consult engage` or the "Log as engagement" shortcut). Errors name their field.

    `issue_ids` are the issues picked; `new_issue` names one to add to the list and tag."""
    if source not in SOURCES:
        source = "modal"
    with uow:
        programme = uow.programmes.get(programme_id)
        if programme is None or programme.team_id != actor.team_id:
            raise FieldErrors({"stakeholders": "That programme no longer exists."})
        today = clock.today_in(programme.timezone)
        errors: dict[str, str] = {}
        try:
            kind, summary, position, day, follow_up = _validate(
                programme, today, kind, summary, on, position, follow_up
            )
        except FieldErrors as e:
            errors.update(e.errors)
        stakeholders: list[Stakeholder] = []
        for sid in dict.fromkeys(stakeholder_ids):
            s = uow.stakeholders.get(programme.id, sid)
            if s is None or s.removed_at is not None:
                errors["stakeholders"] = (
                    "One of the stakeholders has left the register; choose again."
                )
                break
            stakeholders.append(s)
        for group in groups:
            members = uow.stakeholders.list(programme.id, group=group)
            if not members:
                errors["stakeholders"] = f"Nobody is in {group[:80]!r} any more; choose again."
            seen = {s.id for s in stakeholders}
            stakeholders += [s for s in members if s.id not in seen]
        if not stakeholders and "stakeholders" not in errors:
            errors["stakeholders"] = "Choose at least one stakeholder."
        tagging = issues_svc.Tagging()
        for iid in dict.fromkeys(issue_ids):
            issue = uow.raised_issues.get(programme.id, iid)
            if issue is None or issue.merged_into_id is not None:
                errors["issues"] = "One of the issues was merged or removed; choose again."
                break
            tagging.issues.append((issue, "form"))
        hashtags = issues_svc.read_tags(uow, programme, [], summary, "form")
        picked = {i.id for i, _ in tagging.issues}
        tagging.issues += [(i, s) for i, s in hashtags.issues if i.id not in picked]
        tagging.unknown_hashtags = hashtags.unknown_hashtags
        if new_issue and new_issue.strip() and not errors:
            try:
                existing = uow.raised_issues.by_key(programme.id, name_key(new_issue))
                if existing is not None:  # typed a name that exists: use it, don't fail
                    if existing.id not in {i.id for i, _ in tagging.issues}:
                        tagging.issues.append((existing, "form"))
                else:
                    created = issues_svc.create_issue(uow, actor, programme, new_issue)
                    tagging.issues.append((created, "form"))
            except UsageError as e:
                errors["new_issue"] = e.message
        if errors:
            raise FieldErrors(errors)
        assert kind is not None and summary is not None  # read by _validate, or it raised
        engagement, action = record_engagement(
            uow,
            actor,
            programme,
            stakeholders,
            kind,
            summary,
            day,
            position,
            source,
            (permalink or None) and permalink[:500],
            follow_up,
            tagging=tagging,
        )
        logged = _finish(uow, programme, engagement, stakeholders, action, tagging)
        uow.commit()
        return logged


def programmes_for_form(uow: UnitOfWork, actor: Actor, channel_id: str | None) -> list[Programme]:
    """Where a form opened in this channel can log: the channel's programme, else the asker's."""
    if channel_id:
        here = uow.programmes.by_channel(actor.team_id, channel_id)
        if here is not None:
            return [here]
    mine = {p.id: p for p in uow.programmes.programmes_of_user(actor.team_id, actor.user_id)}
    for p in uow.engagements.programmes_touched_by(actor.team_id, actor.user_id):
        mine.setdefault(p.id, p)
    return sorted(mine.values(), key=lambda p: p.name.lower())


def form_context(
    actor: Actor, channel_id: str | None, uow: UnitOfWork
) -> tuple[list[Programme], date]:
    """(programmes the form may log to, today in the first one's timezone)."""
    with uow:
        programmes = programmes_for_form(uow, actor, channel_id)
        tz = programmes[0].timezone if programmes else "Europe/London"
        return programmes, clock.today_in(tz)


def suggest_stakeholders(
    actor: Actor, programme_ids: list[int], text: str, uow: UnitOfWork, limit: int = 50
) -> list[tuple[Programme, list[Stakeholder], list[tuple[str, int]]]]:
    """For the form's searchable picker: [(programme, [stakeholders], [(group, count)])]."""
    out: list[tuple[Programme, list[Stakeholder], list[tuple[str, int]]]] = []
    text = (text or "").strip()
    with uow:
        for pid in programme_ids:
            programme = uow.programmes.get(pid)
            if programme is None or programme.team_id != actor.team_id:
                continue
            if text:
                found = uow.stakeholders.search(programme.id, text, limit=limit)
            else:
                found = uow.stakeholders.list(programme.id)[:limit]
            groups = [
                (g, len(uow.stakeholders.list(programme.id, group=g)))
                for g in sorted(uow.stakeholders.groups(programme.id))
                if text and text.lower() in g.lower()
            ][:5]
            out.append((programme, found, groups))
    return out


# -- one engagement: show, edit, withdraw ----------------------------------------------
def _own_engagement(
    uow: UnitOfWork, actor: Actor, programme: Programme, engagement_id: int, doing: str
) -> Engagement:
    e = uow.engagements.get(programme.id, engagement_id)
    if e is None:
        raise NotFound(f"There is no engagement #{engagement_id} in this programme.")
    if e.logged_by != actor.user_id and not is_admin(uow, actor, programme):
        raise Forbidden(
            f"Only <@{e.logged_by}>, who logged engagement #{e.id}, or an admin can {doing} it."
        )
    return e


def show_engagement(
    actor: Actor, channel_id: str, engagement_id: int, uow: UnitOfWork
) -> tuple[Programme, Engagement, list[Stakeholder], list[Action]]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        e = uow.engagements.get(programme.id, engagement_id)
        if e is None:
            raise NotFound(f"There is no engagement #{engagement_id} in this programme.")
        return programme, e, uow.engagements.stakeholders_of(e.id), uow.actions.for_engagement(e.id)


def edit_engagement(
    actor: Actor,
    channel_id: str,
    engagement_id: int,
    uow: UnitOfWork,
    *,
    summary: str | None = None,
    kind: str | None = None,
    on: str | None = None,
    position: str | None = None,
) -> tuple[Programme, Engagement]:
    """Change what was recorded; the audit trail keeps the old version. position "none" clears it."""
    if summary is None and kind is None and on is None and position is None:
        raise UsageError("Say what to change: --summary, --kind, --date or --position.")
    with uow:
        programme = programme_for(uow, actor, channel_id)
        e = _own_engagement(uow, actor, programme, engagement_id, "edit")
        if e.withdrawn_at is not None:
            raise Conflict(f"Engagement #{e.id} was withdrawn; log a new one instead.")
        today = clock.today_in(programme.timezone)
        clear = position is not None and position.strip().lower() in (
            "none",
            "unknown",
            "clear",
            "-",
        )
        new_kind, new_summary, new_position, new_day, _ = _validate(
            programme,
            today,
            kind if kind is not None else e.kind,
            summary if summary is not None else e.summary,
            on if on is not None else e.occurred_on,
            None if clear else (position or e.position),
            None,
            check_day=on is not None,  # an engagement's own day stands as it was logged
        )
        before = snapshot(e)
        e.kind, e.summary, e.occurred_on, e.position = new_kind, new_summary, new_day, new_position
        e.updated_at = clock.now()
        after = snapshot(e)
        if {k: v for k, v in after.items() if k != "updated_at"} == {
            k: v for k, v in before.items() if k != "updated_at"
        }:
            raise Conflict(f"Engagement #{e.id} already says that; nothing changed.")
        uow.engagements.sync_links(e)
        uow.raised_issues.sync_engagement(e)
        for issue in uow.raised_issues.issues_of(e.id):  # its words may have changed
            issues_svc.refresh_vocabulary(uow, issue)
        audit(uow, actor, programme, "engagement.edit", "engagement", e.id, before, after)
        if summary is not None:  # #hashtags added by the edit tag it too
            issues_svc.apply_tags(
                uow,
                actor,
                programme,
                e,
                issues_svc.read_tags(uow, programme, [], e.summary, "hashtag"),
            )
        uow.commit()
        return programme, e


def withdraw_engagement(
    actor: Actor, channel_id: str, engagement_id: int, uow: UnitOfWork
) -> tuple[Programme, Engagement]:
    """Withdrawn engagements stay in the log (and the export) but no longer count."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        e = _own_engagement(uow, actor, programme, engagement_id, "withdraw")
        if e.withdrawn_at is not None:
            raise Conflict(f"Engagement #{e.id} was already withdrawn.")
        before = snapshot(e)
        e.withdrawn_at = clock.now()
        uow.engagements.sync_links(e)
        uow.raised_issues.sync_engagement(e)  # a withdrawn engagement no longer counts as raising
        for issue in uow.raised_issues.issues_of(e.id):
            issues_svc.refresh_vocabulary(uow, issue)
        audit(uow, actor, programme, "engagement.withdraw", "engagement", e.id, before, snapshot(e))
        uow.commit()
        return programme, e


def stakeholder_history(
    actor: Actor, channel_id: str, ref: str, uow: UnitOfWork, limit: int = 15
) -> tuple[Programme, Stakeholder, str | None, list[Engagement]]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        s = resolve(uow, programme, ref)
        position = uow.engagements.latest_positions(programme.id, [s.id]).get(s.id)
        return programme, s, position, uow.engagements.history(programme.id, s.id, limit)


# -- follow-up actions --------------------------------------------------------------------
def add_action(
    actor: Actor,
    channel_id: str,
    title: str,
    uow: UnitOfWork,
    *,
    owner_id: str | None = None,
    due: str | None = None,
    engagement_id: int | None = None,
) -> tuple[Programme, Action]:
    title = clean_typed(title, "The action")
    if not title:
        raise UsageError("Say what the action is, in quotes.")
    if len(title) > MAX_TITLE:
        raise UsageError(f"Keep the action to {MAX_TITLE} characters.")
    with uow:
        programme = programme_for(uow, actor, channel_id)
        today = clock.today_in(programme.timezone)
        due_on = parse_date(due, today) if due else None
        if due_on is not None and due_on < today:
            raise UsageError(f"{format_date(due_on)} has passed: give a due date from today on.")
        if due_on is not None:
            check_in_span(due_on, programme, today, "an action")
        if engagement_id is not None and uow.engagements.get(programme.id, engagement_id) is None:
            raise NotFound(f"There is no engagement #{engagement_id} in this programme.")
        action = uow.actions.create(
            programme_id=programme.id,
            engagement_id=engagement_id,
            title=title,
            owner_id=owner_id or actor.user_id,
            due_on=due_on,
            state="open",
            created_by=actor.user_id,
            created_at=clock.now(),
        )
        audit(uow, actor, programme, "action.add", "action", action.id, after=snapshot(action))
        uow.commit()
        return programme, action


def list_actions(
    actor: Actor, channel_id: str, uow: UnitOfWork
) -> tuple[Programme, list[Action], date]:
    """Open actions, the asker's first, then by due date."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        return (
            programme,
            uow.actions.open(programme.id, mine_first=actor.user_id),
            clock.today_in(programme.timezone),
        )


def complete_action(
    actor: Actor, channel_id: str, action_id: int, uow: UnitOfWork
) -> tuple[Programme, Action]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        action = uow.actions.get(programme.id, action_id)
        if action is None:
            raise NotFound(
                f"There is no action #{action_id} in this programme. `/consult actions` lists them."
            )
        if actor.user_id not in (action.owner_id, action.created_by) and not is_admin(
            uow, actor, programme
        ):
            raise Forbidden(
                f"Only <@{action.owner_id}>, who owns action #{action.id}, "
                f"<@{action.created_by}>, who set it, or an admin can mark it done."
            )
        if action.state == "done":
            raise Conflict(f"Action #{action.id} is already done.")
        before = snapshot(action)
        action.state, action.done_at = "done", clock.now()
        audit(uow, actor, programme, "action.done", "action", action.id, before, snapshot(action))
        uow.commit()
        return programme, action


# -- export --------------------------------------------------------------------------------
EXPORT_HEADER = [
    "engagement_id",
    "date",
    "kind",
    "stakeholder_type",
    "stakeholder",
    "stakeholder_code",
    "position",
    "summary",
    "source",
    "permalink",
    "logged_by",
    "logged_by_name",
    "logged_at",
    "status",
    "withdrawn_at",
]


def engagements_csv(actor: Actor, channel_id: str, uow: UnitOfWork) -> tuple[Programme, bytes, int]:
    """(programme, CSV bytes, number of engagements): one row per engagement and stakeholder."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        seen: set[int] = set()
        person = lazy_names(uow, programme.team_id)

        def rows() -> Iterator[list[object]]:
            for e, type_, name, code in uow.engagements.export_rows(programme.id):
                seen.add(e.id)
                yield [
                    e.id,
                    e.occurred_on.isoformat(),
                    e.kind,
                    type_,
                    name,
                    code,
                    e.position or "",
                    e.summary,
                    e.source,
                    e.permalink,
                    e.logged_by,
                    person(e.logged_by),
                    e.logged_at.isoformat(timespec="seconds"),
                    "withdrawn" if e.withdrawn_at else "live",
                    e.withdrawn_at.isoformat(timespec="seconds") if e.withdrawn_at else "",
                ]

        content = csv_bytes(EXPORT_HEADER, rows())
        return programme, content, len(seen)
