"""Coverage: who has been engaged within N days, per stakeholder type, and where
member practices stand; reused by the App Home tab and the digest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .. import clock, programme_templates
from ..context import Actor
from ..coverage import DEFAULT_DAYS, CoverageReport, DutyState, StakeholderFact, build_report
from ..errors import UsageError
from ..ports import UnitOfWork
from . import read_models
from .access import programme_for
from .personal_digests import PersonalSetting, setting_in

if TYPE_CHECKING:
    from storage.models import Action, Deadline, Programme, RaisedIssue, Vote

MAX_DAYS = 3660


def duty_states(uow: UnitOfWork, programme_id: int) -> list[DutyState]:
    return [DutyState(d.id, d.title, d.state, d.due_on) for d in uow.duties.list(programme_id)]


def stakeholder_facts(
    uow: UnitOfWork, programme: Programme, type: str | None = None
) -> list[StakeholderFact]:
    """Each live stakeholder with when it was last engaged, its position and its ratings."""
    stakeholders = uow.stakeholders.list(programme.id, type)
    last = uow.engagements.last_engaged(programme.id)
    positions = uow.engagements.latest_positions(programme.id)
    return [
        StakeholderFact(
            s.id,
            s.type,
            s.name,
            s.code,
            s.list_size,
            last.get(s.id),
            positions.get(s.id),
            s.influence,
            s.interest,
        )
        for s in stakeholders
    ]


def coverage_report(
    uow: UnitOfWork, programme: Programme, days: int, today: date, type: str | None = None
) -> CoverageReport:
    """The coverage of a programme (inside an open unit of work)."""
    facts = stakeholder_facts(uow, programme, type)
    return build_report(
        programme.name,
        facts,
        days,
        today,
        duty_states(uow, programme.id),
        programme_templates.stakeholder_types(
            programme_templates.load_if_known(programme.template)
        ),
    )


def show_coverage(
    actor: Actor,
    channel_id: str,
    uow: UnitOfWork,
    type: str | None = None,
    days: int = DEFAULT_DAYS,
) -> CoverageReport:
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"`--days` must be from 1 to {MAX_DAYS:,}.")
    with uow:

        def build() -> CoverageReport:
            programme = programme_for(uow, actor, channel_id)
            return coverage_report(uow, programme, days, clock.today_in(programme.timezone), type)

        return read_models.of_channel(uow, actor, channel_id, "coverage", (type, days), build)


# -- the App Home tab -----------------------------------------------------------------
MAX_HOME_PROGRAMMES = 10
HOME_ISSUES = 5


@dataclass
class HomeProgramme:
    programme: Programme
    report: CoverageReport
    my_actions: list[Action]
    deadlines: list[Deadline]  # open, due today or later, soonest first
    votes: list[Vote]  # open votes, when the votes feature is installed
    today: date
    open_issues: list[RaisedIssue] = field(
        default_factory=list
    )  # the most raised issues still open
    issues_total: int = 0


@dataclass
class Home:
    programmes: list[HomeProgramme]
    more: int  # programmes left out to stay within Slack's limits
    personal: PersonalSetting | None = None  # their own digest


def home_for(actor: Actor, uow: UnitOfWork, days: int = DEFAULT_DAYS) -> Home:
    """What the person's App Home tab shows: each programme they belong to."""
    with uow:
        found = {p.id: p for p in uow.programmes.programmes_of_user(actor.team_id, actor.user_id)}
        for p in uow.engagements.programmes_touched_by(actor.team_id, actor.user_id):
            found.setdefault(p.id, p)
        actions_by_programme: dict[int, list[Action]] = {}
        for p, action in uow.actions.open_for_owner(actor.team_id, actor.user_id):
            found.setdefault(p.id, p)
            actions_by_programme.setdefault(p.id, []).append(action)
        programmes = sorted(found.values(), key=lambda p: p.name.lower())
        shown = []
        for programme in programmes[:MAX_HOME_PROGRAMMES]:
            today = clock.today_in(programme.timezone)
            deadlines = [d for d in uow.deadlines.list(programme.id) if d.due_on >= today]
            votes = uow.votes.open_votes(programme.id)
            shown.append(
                HomeProgramme(
                    programme,
                    coverage_report(uow, programme, days, today),
                    actions_by_programme.get(programme.id, []),
                    deadlines,
                    list(votes),
                    today,
                    uow.raised_issues.ranked(programme.id, open_only=True, limit=HOME_ISSUES),
                    uow.raised_issues.count(programme.id),
                )
            )
        return Home(shown, max(0, len(programmes) - MAX_HOME_PROGRAMMES), setting_in(uow, actor))
