"""A demo programme: a CCG's co-commissioning cycle, loaded idempotently.

All the demo's data lives here, built through the services as a user's commands would; no
production service imports this module (`python app.py demo` and `make run` do).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from .. import clock, reminders
from .. import raised_issues as issue_rules
from ..context import Actor
from ..dates import local_to_utc
from ..ports import UnitOfWork
from .access import audit, snapshot
from .deadlines import close_deadline
from .duties import complete_duty, ensure_template_duties, note_duty, set_duty_owner
from .engagements import FollowUp, record_engagement
from .programmes import setup_programme
from .raised_issues import Tagging, apply_tags, create_issue, read_tags
from .stakeholders import set_ratings

if TYPE_CHECKING:
    from storage.models import Duty, Engagement, Programme, RaisedIssue, Stakeholder

DEMO_NAME = "Demo CCG co-commissioning"


def demo_year(today: date) -> int:
    """The cycle a demo loaded today is in the middle of (from April: this year's).

    So the demo always has upcoming deadlines and an open vote to try.
    """
    return today.year if today.month >= 4 else today.year - 1


_PRACTICE_NAMES = [
    "Acorn",
    "Beacon",
    "Brookside",
    "Cedar",
    "Church Road",
    "Clover",
    "Cowley",
    "Eastcote",
    "Elmwood",
    "Falling Lane",
    "Glebe",
    "Harefield",
    "Hayes Town",
    "Heathrow Villages",
    "Hillingdon Heath",
    "Ickenham",
    "Kingsway",
    "Laurel",
    "Linden",
    "Meadow",
    "Mill Lane",
    "Northwood",
    "Oak Farm",
    "Orchard",
    "Pembroke",
    "Pinn",
    "Queens Walk",
    "Riverside",
    "Ruislip Manor",
    "Shakespeare",
    "Southcote",
    "St Martins",
    "Swakeleys",
    "Uxbridge Road",
    "Warren",
    "Wood End",
    "Yeading",
    "Yiewsley",
    "Harlington",
    "West Drayton",
]
_SUFFIXES = ["Surgery", "Medical Centre", "Health Centre", "Practice"]
LOCALITIES = ["North locality", "South locality", "Central locality"]

OTHERS = [
    ("lmc", "Londonwide LMCs (Hillingdon)", "LMC01"),
    ("healthwatch", "Healthwatch Hillingdon", "HW01"),
    ("hwbb", "Hillingdon Health and Wellbeing Board", "HWBB01"),
    ("nhse", "NHS England London area team", "NHSE01"),
    ("patient-group", "Hillingdon Health Panel", "PG01"),
    ("local-authority", "London Borough of Hillingdon", "LA01"),
    ("governing-body", "CCG governing body", "GB01"),
]


def demo_practices() -> list[dict[str, object]]:
    rng = random.Random(2014)  # same demo every time
    rows = []
    for i, name in enumerate(_PRACTICE_NAMES):
        rows.append(
            {
                "code": f"E85{i + 1:03d}",
                "name": f"{name} {_SUFFIXES[i % len(_SUFFIXES)]}",
                "list_size": rng.randrange(2500, 16000, 50),
                "group_name": LOCALITIES[i % len(LOCALITIES)],
            }
        )
    return rows


def load_demo(
    uow: UnitOfWork, team_id: str, channel_id: str, admin_user: str
) -> tuple[Programme, bool]:
    """Returns (programme, created). Running it again changes nothing."""
    actor = Actor(team_id=team_id, user_id=admin_user, _is_workspace_admin=True)
    with uow:
        existing = uow.programmes.by_channel(team_id, channel_id)
        if existing is not None:
            return existing, False
    programme, _ = setup_programme(
        actor,
        channel_id,
        DEMO_NAME,
        uow,
        template="co-commissioning",
        year=demo_year(clock.today_in("Europe/London")),
        # The sources date only the 2014/15 round: the demo's dates are that round's milestones
        # moved into the current cycle, so they stay provisional (date to confirm), as they would
        # for a real programme until its admins confirm them.
        model="joint",
    )
    with uow:
        for row in demo_practices():
            uow.stakeholders.create(programme_id=programme.id, type="practice", **row)
        for type_, name, code in OTHERS:
            uow.stakeholders.create(programme_id=programme.id, type=type_, name=name, code=code)
        uow.commit()
    for add_demo_data in DEMO_DATA:
        add_demo_data(uow, programme, actor)
    return programme, True


# -- each feature's demo data ----------------------------------------------------------------


# engagement log

_DEMO_TOPICS = [
    (
        "meeting",
        "Locality meeting: co-commissioning options explained; questions on conflicts of interest",
    ),
    ("email", "Sent the expression of interest summary and asked for views"),
    ("call", "Call with the practice manager about the committee's membership"),
    ("event", "Members' event on primary care co-commissioning"),
    ("survey", "Returned the member practice survey on the three models"),
    ("meeting", "Practice visit: GP partners discussed joint versus delegated commissioning"),
]


def demo_engagements(uow: UnitOfWork, programme: Programme, actor: Actor) -> None:
    """A believable spread over the 2014/15 cycle: most practices engaged, positions mixed."""
    rng = random.Random(programme.year or 2014)
    year = programme.year or 2014
    today = clock.today_in(programme.timezone)
    start = date(year, 6, 2)
    with uow:
        stakeholders = uow.stakeholders.list(programme.id)
        practices = [s for s in stakeholders if s.type == "practice"]
        others = {s.type: s for s in stakeholders if s.type != "practice"}

        def log(
            targets: list[Stakeholder],
            kind: str,
            summary: str,
            day: date,
            position: str | None = None,
            follow_up: FollowUp | None = None,
        ) -> Engagement | None:
            if day > today:  # a demo loaded mid-cycle has no engagement from the future
                return None
            logged_at = min(clock.now(), datetime.combine(day, time(16, 30), UTC))
            return record_engagement(
                uow,
                actor,
                programme,
                targets,
                kind,
                summary,
                day,
                position,
                "command",
                None,
                follow_up,
                logged_at,
            )[0]

        engaged = practices[: int(len(practices) * 0.8)]  # a fifth not yet heard from
        positions = ["support"] * 5 + ["undecided"] * 3 + ["oppose"] * 2 + ["neutral"]
        for i, practice in enumerate(engaged):
            first = start + timedelta(days=rng.randrange(0, 200))
            kind, summary = _DEMO_TOPICS[i % len(_DEMO_TOPICS)]
            log([practice], kind, summary, first, rng.choice(positions + [None]))
            if i % 3 == 0:  # a second contact, where some changed their minds
                later = first + timedelta(days=rng.randrange(14, 60))
                log(
                    [practice],
                    "meeting",
                    "Follow-up on the draft committee terms of reference",
                    later,
                    rng.choice(positions),
                )
        by_locality: dict[str, list[Stakeholder]] = {}
        for p in engaged:  # practices that came to nothing stay unheard from
            by_locality.setdefault(p.group_name or "", []).append(p)
        for n, (locality, members) in enumerate(sorted(by_locality.items())):
            if locality:
                log(
                    members,
                    "event",
                    f"{locality} members' meeting: the case for co-commissioning",
                    date(year, 9, 10 + 7 * n),
                )
        if "lmc" in others:
            log(
                [others["lmc"]],
                "meeting",
                "LMC liaison meeting: LMC asks for a seat on the committee as an observer",
                date(year, 7, 15),
                "undecided",
                FollowUp(
                    "Send the LMC the draft terms of reference", actor.user_id, date(year, 8, 1)
                ),
            )
            log(
                [others["lmc"]],
                "letter",
                "LMC letter supporting joint commissioning with safeguards",
                date(year + 1, 1, 12),
                "support",
            )
        if "healthwatch" in others:
            log(
                [others["healthwatch"]],
                "meeting",
                "Healthwatch agreed to nominate a non-voting attendee",
                date(year, 10, 6),
                "neutral",
            )
        if "hwbb" in others:
            log(
                [others["hwbb"]],
                "board-paper",
                "Draft plan sent to the Health and Wellbeing Board for its opinion",
                date(year, 11, 20),
                None,
                FollowUp(
                    "Record the HWBB's opinion in the final plan",
                    actor.user_id,
                    date(year + 1, 1, 31),
                ),
            )
        if "nhse" in others:
            log(
                [others["nhse"]],
                "call",
                "Area team call on the expression of interest (sections A to H)",
                date(year, 6, 12),
            )
        if "governing-body" in others:
            log(
                [others["governing-body"]],
                "board-paper",
                "Governing body paper: recommendation to seek joint commissioning",
                date(year, 12, 4),
                "support",
            )
        uow.commit()


# raised issues

# (name, description, words that mark an engagement as raising it, response, state, reason)
_DEMO_ISSUES: list[tuple[str, str, tuple[str, ...], str | None, str | None, str | None]] = [
    (
        "Conflicts of interest",
        "How GPs commissioning their own services is kept fair and seen to be fair",
        ("conflicts of interest", "safeguards"),
        "Conflicts of interest policy strengthened: a lay chair, a published register of "
        "interests, and GPs leave the room for decisions about their own practices.",
        issue_rules.PLAN_CHANGED,
        None,
    ),
    (
        "Committee membership",
        "Who sits on the co-commissioning committee, and with what vote",
        ("committee", "terms of reference", "non-voting"),
        "The terms of reference give the LMC and Healthwatch non-voting seats, "
        "and a lay and executive majority.",
        issue_rules.PLAN_CHANGED,
        None,
    ),
    (
        "Choice of model",
        "Greater involvement, joint or delegated commissioning",
        ("three models", "joint versus delegated", "case for co-commissioning", "recommendation"),
        "The governing body recommends joint commissioning; member practices vote on it "
        "before the proforma is sent.",
        issue_rules.RESPONDED,
        None,
    ),
    (
        "Locum backfill for committee GPs",
        "Paying for cover while GP members attend committee meetings",
        (),
        "Committee meetings are held after surgery hours.",
        issue_rules.NOT_TAKEN_FORWARD,
        "There is no budget for backfill this year; holding meetings after surgery hours "
        "keeps the time away from patients to a minimum.",
    ),
    ("Estates and premises", "The state of practice buildings and who pays", (), None, None, None),
]

_DEMO_SAID = [  # (practice index, month, day, summary with #hashtags)
    (
        1,
        7,
        8,
        "Partners can't spare a GP for day-time committee meetings #locum-backfill-for-committee-gps",
    ),
    (
        4,
        7,
        22,
        "Asked who funds locum cover for the GP committee members #locum-backfill-for-committee-gps",
    ),
    (
        7,
        8,
        5,
        "Surgery lease ends next year; will the committee fund premises? #estates-and-premises",
    ),
    (10, 8, 19, "Practice manager: extension plans stalled #estates-and-premises"),
    (13, 9, 2, "Branch surgery building not fit for purpose #estates-and-premises"),
    (16, 9, 16, "Premises improvement grants should follow list growth #estates-and-premises"),
]


def demo_issues(uow: UnitOfWork, programme: Programme, actor: Actor) -> None:
    """A handful of issues, tagged on the demo's engagements, most with an answer."""
    year = programme.year or 2014
    with uow:
        today = clock.today_in(programme.timezone)
        issues: list[tuple[RaisedIssue, tuple[str, ...]]] = []
        for name, description, marks, *_ in _DEMO_ISSUES:
            issue = create_issue(uow, actor, programme, name, description)
            issues.append((issue, marks))
        log = uow.engagements.recent(programme.id, date(year - 1, 1, 1), limit=5000)
        for e in log:
            text = e.summary.lower()
            tagging = Tagging(
                [(i, "command") for i, marks in issues if any(m in text for m in marks)]
            )
            apply_tags(uow, actor, programme, e, tagging)
        practices = [s for s in uow.stakeholders.list(programme.id) if s.type == "practice"]
        for index, month, day_of, summary in _DEMO_SAID:
            day = date(year, month, day_of)
            if day > today or index >= len(practices):
                continue
            record_engagement(
                uow,
                actor,
                programme,
                [practices[index]],
                "meeting",
                summary,
                day,
                None,
                "command",
                None,
                None,
                min(clock.now(), datetime.combine(day, time(16, 0), UTC)),
                tagging=read_tags(uow, programme, [], summary, "hashtag"),
            )
        for (issue, _), (_, _, _, response, state, reason) in zip(issues, _DEMO_ISSUES):
            if issue.first_raised_on is not None:  # added to the list when first raised
                issue.created_at = min(
                    clock.now(), datetime.combine(issue.first_raised_on, time(17, 0), UTC)
                )
            if (
                response
                and state is not None  # (given with each response)
                and issue.first_raised_on is not None
                and issue.last_raised_on is not None  # (set with the first)
            ):
                issue.state, issue.response, issue.reason = state, response, reason
                issue.response_owner = actor.user_id
                issue.responded_on = min(today, issue.last_raised_on + timedelta(days=14))
                audit(
                    uow,
                    actor,
                    programme,
                    "issue.respond",
                    "raised_issue",
                    issue.id,
                    after=snapshot(issue),
                )
        uow.commit()


# deadlines


def demo_deadlines(uow: UnitOfWork, programme: Programme, actor: Actor) -> None:
    """A Health and Wellbeing Board meeting beside the template's key dates."""
    with uow:
        now = clock.now()
        meeting = uow.deadlines.create(
            programme_id=programme.id,
            kind="meeting",
            title="Health and Wellbeing Board: draft commissioning plan",
            due_on=date(programme.year or 2014, 12, 9),
            due_time="14:00",
            end_time="16:00",
            place="Civic Centre, Committee Room 6",
            remind_days=reminders.format_remind_days(reminders.MEETING_REMIND_DAYS),
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
            sequence=0,
        )
        audit(uow, actor, programme, "meeting.add", "deadline", meeting.id, after=snapshot(meeting))
        uow.commit()


# votes

DEMO_QUESTION = (
    "Should the CCG apply to take on joint commissioning of primary care with NHS England "
    "from 1 April {year}?"
)
DEMO_CHOICES = ["for", "for", "against", "for", "abstain", "for", "against", "for"]


def demo_votes(uow: UnitOfWork, programme: Programme, actor: Actor) -> None:
    """An open vote on the co-commissioning proposal, closing 4 March of the cycle's second year at 17:00
    local time, with ballots cast by the linked people of some practices (opened in early February, or
    ten days ago if the demo is loaded earlier in the cycle)."""
    year = (programme.year or 2014) + 1
    opened_at = min(
        local_to_utc(date(year, 2, 2), "09:00", programme.timezone),
        clock.now() - timedelta(days=10),
    )
    closes_at = local_to_utc(date(year, 3, 4), "17:00", programme.timezone)
    with uow:
        if uow.votes.list(programme.id):
            return
        practices = uow.stakeholders.list(programme.id, "practice")
        # The demo's vote decides member practices' support, as a real one would be linked.
        support = uow.duties.by_key(programme.id, "member-practice-support")
        vote = uow.votes.create(
            programme_id=programme.id,
            duty_id=support.id if support is not None and support.state == "open" else None,
            question=DEMO_QUESTION.format(year=year),
            closes_at=closes_at,
            rule="simple",
            quorum_percent=50,
            weighted=False,
            state="open",
            opened_by=actor.user_id,
            opened_at=opened_at,
        )
        uow.votes.add_electors(vote.id, {p.id: p.list_size or 0 for p in practices})
        audit(uow, actor, programme, "vote.open", "vote", vote.id, after=snapshot(vote))
        # Practices vote by button through their linked person: link a dozen to demo people.
        for i, p in enumerate(practices[:12]):
            if p.linked_user_id is None:
                before = snapshot(p, ["linked_user_id"])
                p.linked_user_id = f"gp{i + 1}"
                audit(
                    uow,
                    actor,
                    programme,
                    "stakeholder.link",
                    "stakeholder",
                    p.id,
                    before,
                    snapshot(p, ["linked_user_id"]),
                )
        for i, (p, choice) in enumerate(zip(practices, DEMO_CHOICES)):
            assert p.linked_user_id is not None  # each of the first dozen is linked above
            voter = Actor(actor.team_id, p.linked_user_id)
            at = opened_at + timedelta(days=1, hours=i)
            ballot, cast_before, _ = uow.votes.cast(
                vote.id, p.id, choice, "slack", voter.user_id, at
            )
            audit(
                uow,
                voter,
                programme,
                "vote.ballot",
                "ballot",
                ballot.id,
                cast_before,
                {
                    "vote_id": vote.id,
                    "stakeholder_id": p.id,
                    "code": p.code,
                    "choice": choice,
                    "method": "slack",
                    "recorded_by": voter.user_id,
                    "recorded_at": at.isoformat(),
                },
            )
        uow.commit()


# duties


def demo_duties(uow: UnitOfWork, programme: Programme, actor: Actor) -> None:
    """The demo programme's duties (its HWBB joined after set-up), some done with evidence."""
    with uow:
        fresh = uow.programmes.get(programme.id)
        if fresh is None:
            return  # gone since it was set up: nothing to give duties to
        programme = fresh
        ensure_template_duties(uow, actor, programme)
        uow.commit()
    with uow:
        if any(e for e in uow.duties.evidence_counts(programme.id).values()):
            return  # already evidenced: loading the demo twice changes nothing
        engagements = uow.duties.records.engagements(programme.id)
        links = uow.duties.records.engagement_links(programme.id)
        by_type = {s.id: s.type for s in uow.duties.records.stakeholders(programme.id)}
        with_hwbb = [
            e for e in engagements if any(by_type.get(s) == "hwbb" for s in links.get(e.id, []))
        ]
        with_practices = [
            e for e in engagements if any(by_type.get(s) == "practice" for s in links.get(e.id, []))
        ]
    channel = programme.channel_id
    eoi_pdf = "https://www.england.nhs.uk/commissioning/pc-co-comms/"
    for letter in "abcdefgh":
        duty = _demo_duty(uow, programme, f"eoi-{letter}")
        if duty is None:
            continue
        evidence = [eoi_pdf]
        if letter == "g" and with_practices:
            evidence.append(str(with_practices[0].id))
        complete_duty(actor, channel, str(duty.id), uow, evidence)
    _demo_submitted(uow, programme, actor)
    duty = _demo_duty(uow, programme, "conflicts-of-interest")
    if duty is not None:
        set_duty_owner(actor, channel, str(duty.id), actor.user_id, uow)
        complete_duty(
            actor,
            channel,
            str(duty.id),
            uow,
            ["https://www.england.nhs.uk/wp-content/uploads/2014/12/man-confl-int-guid-1214.pdf"],
        )
    with uow:
        hwbb_duties = [
            d for d in uow.duties.list(programme.id) if d.key.startswith("hwbb-draft-plan:")
        ]
    for duty in hwbb_duties:
        set_duty_owner(actor, channel, str(duty.id), actor.user_id, uow)
        if with_hwbb:
            complete_duty(actor, channel, str(duty.id), uow, [str(with_hwbb[-1].id)])
        else:
            note_duty(
                actor,
                channel,
                str(duty.id),
                "Draft plan goes to the board's next meeting.",
                uow,
            )
    duty = _demo_duty(uow, programme, "healthwatch-representative")
    if duty is not None:
        note_duty(
            actor,
            channel,
            str(duty.id),
            "Healthwatch chair to nominate at the March meeting.",
            uow,
        )


def _demo_submitted(uow: UnitOfWork, programme: Programme, actor: Actor) -> None:
    """The demo's expression of interest went in (its sections A to H are evidenced): once its
    date has passed, the deadline is done. Its date stays provisional: nobody confirmed it."""
    with uow:
        eoi = next(
            (
                d
                for d in uow.deadlines.with_template_keys(programme.id)
                if d.template_key == "expression-of-interest" and d.state == "open"
            ),
            None,
        )
        today = clock.today_in(programme.timezone)
    if eoi is not None and eoi.due_on < today:
        close_deadline(actor, programme.channel_id, eoi.id, "done", uow)


def _demo_duty(uow: UnitOfWork, programme: Programme, key: str) -> Duty | None:
    with uow:
        return uow.duties.by_key(programme.id, key)


# stakeholder map

# The demo's ratings: the bodies whose say matters most, and the largest practices rated high.
DEMO_RATINGS = {
    "LMC01": (5, 5),
    "NHSE01": (5, 2),
    "HWBB01": (4, 3),
    "HW01": (2, 5),
    "PG01": (2, 4),
    "LA01": (3, 2),
    "GB01": (5, 4),
}


def demo_ratings(uow: UnitOfWork, programme: Programme, actor: Actor) -> None:
    """Ratings for the stakeholder map: the other bodies as DEMO_RATINGS, the twelve largest
    practices by list size (the five largest high influence; interest high if engaged so far),
    and the three smallest low on both."""
    with uow:
        stakeholders = uow.stakeholders.list(programme.id)
        if any(s.influence is not None for s in stakeholders):
            return
        practices = sorted(
            (s for s in stakeholders if s.type == "practice"),
            key=lambda s: -(s.list_size or 0),
        )
        engaged = uow.engagements.last_engaged(programme.id)
        ratings = {s.id: DEMO_RATINGS[s.code] for s in stakeholders if s.code in DEMO_RATINGS}
        for rank, s in enumerate(practices[:12]):
            ratings[s.id] = (4 if rank < 5 else 2, 4 if s.id in engaged else 2)
        for s in practices[-3:]:  # the three smallest: watched, little more
            ratings[s.id] = (1, 2)
        for s in stakeholders:
            if s.id in ratings:
                set_ratings(uow, actor, programme, s, *ratings[s.id])
        uow.commit()


# Each feature's demo data, `(uow, programme, actor) -> None`, in the order loaded
# (one may use what an earlier one added).
DEMO_DATA: list[Callable[[UnitOfWork, Programme, Actor], None]] = [
    demo_engagements,
    demo_issues,  # tags the engagement log's entries
    demo_deadlines,
    demo_votes,
    demo_duties,
    demo_ratings,  # ratings for the stakeholder map, after the engagement log
]
