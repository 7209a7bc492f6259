"""Counting a member practice vote: the rules of SPEC section 3, as pure functions.

`tally(...)` takes the electorate fixed at opening and either the practices'
ballots or an aggregate count from a meeting, and gives every figure the
tally, the result post, the digest and the evidence pack need. All
arithmetic is in integers, so "exactly two thirds" and "quorum exactly met"
are exact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from .dates import add_working_days, local_to_utc

RULES = ("simple", "absolute", "two-thirds")
CHOICES = ("for", "against", "abstain")
METHODS = ("slack", "paper", "email", "meeting")

RULE_TEXT = {
    "simple": "simple majority (more for than against; abstentions count only for quorum)",
    "absolute": "absolute majority (votes for must be more than half of the whole electorate)",
    "two-thirds": "two-thirds majority (votes for must be at least two thirds of those for and against)",
}

# Outcomes. Only CARRIED carries.
CARRIED = "carried"
NOT_CARRIED = "not carried"
TIE = "tie"
NO_QUORUM = "no quorum"
NO_ELECTORATE = "no electorate"


@dataclass(frozen=True)
class Elector:
    """A member practice in a vote's electorate, with its list size at opening."""

    stakeholder_id: int
    name: str
    code: str | None = None
    list_size: int = 0

    @property
    def label(self) -> str:
        """How the practice is named in the canonical listing (and the export): its code, else its name."""
        return self.code or self.name


@dataclass(frozen=True)
class Cast:
    """A practice's current ballot (only the latest counts)."""

    stakeholder_id: int
    choice: str


@dataclass(frozen=True)
class Aggregate:
    """A count recorded from a meeting instead of ballots. Sizes are the list sizes behind each
    count, needed when the vote is weighted."""

    for_count: int
    against_count: int
    abstain_count: int
    for_size: int | None = None
    against_size: int | None = None
    abstain_size: int | None = None

    @property
    def has_sizes(self) -> bool:
        return None not in (self.for_size, self.against_size, self.abstain_size)

    @property
    def sizes(self) -> tuple[int, int, int] | None:
        """(for, against, abstain) list sizes when all three are given, else None."""
        if self.for_size is None or self.against_size is None or self.abstain_size is None:
            return None
        return self.for_size, self.against_size, self.abstain_size


@dataclass(frozen=True)
class Figures:
    """One measure of a vote: in practices, or in list size."""

    for_: int
    against: int
    abstain: int
    electorate: int

    @property
    def turnout(self) -> int:
        return self.for_ + self.against + self.abstain

    @property
    def not_voted(self) -> int:
        return self.electorate - self.turnout

    @property
    def turnout_percent(self) -> float:
        return 100.0 * self.turnout / self.electorate if self.electorate else 0.0


@dataclass(frozen=True)
class Tally:
    rule: str
    quorum_percent: int | None
    weighted: bool
    mode: str  # "ballots" or "aggregate"
    practices: Figures
    list_size: Figures | None  # None when an unweighted aggregate gave no sizes
    not_voted: tuple[Elector, ...]  # named only when counted from ballots
    quorum_met: bool
    outcome: str
    checksum: str
    choices: Mapping[int, str] = field(
        default_factory=dict
    )  # stakeholder_id -> choice (ballots mode)

    @property
    def carried(self) -> bool:
        return self.outcome == CARRIED

    @property
    def deciding(self) -> Figures:
        """The figures the rule is applied to: list size when weighted, else practices."""
        if not self.weighted:
            return self.practices
        assert self.list_size is not None  # a weighted tally always has its list sizes
        return self.list_size

    @property
    def quorum_needed(self) -> int | None:
        """The smallest turnout (in the deciding measure) that meets the quorum."""
        if self.quorum_percent is None:
            return None
        return -(-self.quorum_percent * self.deciding.electorate // 100)

    def explain(self) -> str:
        """One sentence saying why the result is what it is."""
        f = self.deciding
        unit = "of list size" if self.weighted else ""
        if self.outcome == NO_ELECTORATE:
            return (
                "No result: the electorate is empty"
                + (" (no list size to weigh)" if self.weighted else "")
                + "."
            )
        if self.outcome == NO_QUORUM:
            needed = self.quorum_needed
            assert needed is not None  # no quorum is only ever missed when there is one
            return (
                f"No result: turnout {_n(f.turnout, unit)} is below the {self.quorum_percent}% quorum "
                f"(needs {_n(needed, unit)} of {_n(f.electorate, unit)})."
            )
        if self.rule == "simple":
            if self.outcome == CARRIED:
                return f"Carried: {_n(f.for_, unit)} for, more than {_n(f.against, unit)} against."
            if self.outcome == TIE:
                return (
                    f"Not carried: a tie, {_n(f.for_, unit)} for and {_n(f.against, unit)} against."
                )
            return f"Not carried: {_n(f.for_, unit)} for is not more than {_n(f.against, unit)} against."
        if self.rule == "absolute":
            verb = "Carried" if self.carried else "Not carried"
            relation = (
                "more than"
                if self.carried
                else "exactly half (a tie), not more than"
                if self.outcome == TIE
                else "not more than"
            )
            return f"{verb}: {_n(f.for_, unit)} for is {relation} half of the electorate of {_n(f.electorate, unit)}."
        decided = f.for_ + f.against
        if decided == 0:
            return "Not carried: nobody voted for or against."
        verb = "Carried" if self.carried else "Not carried"
        relation = "at least" if self.carried else "less than"
        return (
            f"{verb}: {_n(f.for_, unit)} for is {relation} two thirds of the {_n(decided, unit)} "
            f"for and against ({100.0 * f.for_ / decided:.1f}%)."
        )


def _n(value: int, unit: str) -> str:
    return f"{value:,} {unit}".strip() if unit else f"{value:,}"


def decide(rule: str, f: Figures, quorum_percent: int | None) -> tuple[bool, str]:
    """(quorum met, outcome) for one set of figures under a rule."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    quorum_met = quorum_percent is None or f.turnout * 100 >= quorum_percent * f.electorate
    if f.electorate <= 0:
        return False, NO_ELECTORATE
    if not quorum_met:
        return False, NO_QUORUM
    if rule == "simple":
        if f.for_ > f.against:
            return True, CARRIED
        return True, TIE if f.for_ == f.against and f.for_ > 0 else NOT_CARRIED
    if rule == "absolute":
        if 2 * f.for_ > f.electorate:
            return True, CARRIED
        return True, TIE if 2 * f.for_ == f.electorate else NOT_CARRIED
    decided = f.for_ + f.against
    if decided > 0 and 3 * f.for_ >= 2 * decided:
        return True, CARRIED
    return True, NOT_CARRIED


def tally(
    electorate: Iterable[Elector],
    ballots: Iterable[Cast] | None = None,
    aggregate: Aggregate | None = None,
    *,
    rule: str = "simple",
    quorum_percent: int | None = None,
    weighted: bool = False,
) -> Tally:
    """Count a vote from its ballots or from an aggregate count (never both)."""
    electors = list(electorate)
    if ballots is not None and aggregate is not None:
        raise ValueError("a vote is counted from ballots or from an aggregate, never both")
    if quorum_percent is not None and not 0 <= quorum_percent <= 100:
        raise ValueError("quorum must be a percentage")
    total_size = sum(e.list_size for e in electors)
    if aggregate is not None:
        return _tally_aggregate(electors, total_size, aggregate, rule, quorum_percent, weighted)
    by_id = {e.stakeholder_id: e for e in electors}
    choices: dict[int, str] = {}
    for cast in ballots or ():
        if cast.stakeholder_id not in by_id:
            raise ValueError(f"stakeholder {cast.stakeholder_id} is not in the electorate")
        if cast.choice not in CHOICES:
            raise ValueError(f"unknown choice {cast.choice!r}")
        if cast.stakeholder_id in choices:
            raise ValueError(f"stakeholder {cast.stakeholder_id} has two ballots")
        choices[cast.stakeholder_id] = cast.choice
    counts = {c: 0 for c in CHOICES}
    sizes = {c: 0 for c in CHOICES}
    for sid, choice in choices.items():
        counts[choice] += 1
        sizes[choice] += by_id[sid].list_size
    practices = Figures(counts["for"], counts["against"], counts["abstain"], len(electors))
    list_size = Figures(sizes["for"], sizes["against"], sizes["abstain"], total_size)
    quorum_met, outcome = decide(rule, list_size if weighted else practices, quorum_percent)
    not_voted = tuple(
        sorted(
            (e for e in electors if e.stakeholder_id not in choices), key=lambda e: e.name.lower()
        )
    )
    listing = [(by_id[sid].label, by_id[sid].list_size, choice) for sid, choice in choices.items()]
    return Tally(
        rule,
        quorum_percent,
        weighted,
        "ballots",
        practices,
        list_size,
        not_voted,
        quorum_met,
        outcome,
        checksum(listing),
        choices,
    )


def _tally_aggregate(
    electors: list[Elector],
    total_size: int,
    agg: Aggregate,
    rule: str,
    quorum_percent: int | None,
    weighted: bool,
) -> Tally:
    problems = check_aggregate(agg, len(electors), total_size, weighted)
    if problems:
        raise ValueError("; ".join(problems))
    practices = Figures(agg.for_count, agg.against_count, agg.abstain_count, len(electors))
    given = agg.sizes
    list_size = Figures(*given, total_size) if given is not None else None
    deciding = list_size if weighted else practices
    assert deciding is not None  # check_aggregate: a weighted count gives its list sizes
    quorum_met, outcome = decide(rule, deciding, quorum_percent)
    return Tally(
        rule,
        quorum_percent,
        weighted,
        "aggregate",
        practices,
        list_size,
        (),
        quorum_met,
        outcome,
        aggregate_checksum(agg),
    )


def check_aggregate(
    agg: Aggregate, electorate: int, electorate_size: int, weighted: bool
) -> list[str]:
    """What is wrong with an aggregate count for this electorate (empty when it is right)."""
    problems = []
    counts = (agg.for_count, agg.against_count, agg.abstain_count)
    if min(counts) < 0:
        problems.append("counts cannot be negative")
    elif sum(counts) > electorate:
        problems.append(f"{sum(counts):,} practices voted but the electorate is {electorate:,}")
    sizes = (agg.for_size, agg.against_size, agg.abstain_size)
    if weighted and not agg.has_sizes:
        problems.append(
            "a weighted vote needs the list size behind each count (--for-size, --against-size, --abstain-size)"
        )
    if any(s is not None for s in sizes) and not agg.has_sizes:
        problems.append("give the list size behind all three counts, or none")
    given = agg.sizes
    if given is not None:
        if min(given) < 0:
            problems.append("list sizes cannot be negative")
        elif sum(given) > electorate_size:
            problems.append(
                f"the list sizes add up to {sum(given):,} but the electorate's is {electorate_size:,}"
            )
        for count, size, name in zip(counts, given, CHOICES):
            if count == 0 and size and size > 0:
                problems.append(
                    f"no practices voted {name} but a list size of {size:,} is given for it"
                )
    return problems


def canonical_listing(rows: Iterable[tuple[str, int, str]]) -> str:
    """One line per ballot, `label|list size|choice`, sorted: the text the checksum is taken over.

    Anyone can rebuild it from the ballots export (code, or the practice's name when it has no code;
    list size; choice) and compare the checksum with the one in the result.
    """
    lines = sorted(
        f"{label.strip()}|{int(size or 0)}|{choice}" for label, size, choice in rows if choice
    )
    return "".join(line + "\n" for line in lines)


def checksum(rows: Iterable[tuple[str, int, str]]) -> str:
    return hashlib.sha256(canonical_listing(rows).encode("utf-8")).hexdigest()


def aggregate_checksum(agg: Aggregate) -> str:
    text = "".join(
        f"aggregate|{name}|{count}|{'' if size is None else size}\n"
        for name, count, size in (
            ("for", agg.for_count, agg.for_size),
            ("against", agg.against_count, agg.against_size),
            ("abstain", agg.abstain_count, agg.abstain_size),
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Engagement positions of practices that have not voted, read as a forecast.
POSITION_CHOICE = {"support": "for", "oppose": "against", "neutral": "abstain"}


@dataclass(frozen=True)
class Forecast:
    tally: Tally  # the projected count: ballots so far plus the positions of those yet to vote
    undecided: tuple[
        Elector, ...
    ]  # not voted, and undecided or never engaged: the practices to talk to
    projected: Mapping[int, str]  # stakeholder_id -> projected choice, for those who have not voted


def forecast(
    current: Tally, electorate: Iterable[Elector], positions: Mapping[int, str | None]
) -> Forecast | None:
    """Project the result: practices that have not voted vote as their latest engagement position says
    (support: for, oppose: against, neutral: abstain); the undecided and the never-engaged stay out.
    Only for votes counted from ballots."""
    if current.mode != "ballots":
        return None
    electors = list(electorate)
    projected = {}
    undecided = []
    for e in current.not_voted:
        choice = POSITION_CHOICE.get((positions.get(e.stakeholder_id) or "").lower())
        if choice:
            projected[e.stakeholder_id] = choice
        else:
            undecided.append(e)
    casts = [Cast(sid, c) for sid, c in {**current.choices, **projected}.items()]
    future = tally(
        electors,
        casts,
        rule=current.rule,
        quorum_percent=current.quorum_percent,
        weighted=current.weighted,
    )
    return Forecast(future, tuple(undecided), projected)


# When the practices that have not voted are reminded: working days before the closing day, at 09:00 local.
REMINDER_DAYS = (7, 1, 0)
REMINDER_TIME = "09:00"


def reminder_slots(closes_at: datetime, tz: str) -> list[tuple[str, datetime]]:
    """(label, when) of each reminder of a vote closing at `closes_at`: 7 and 1 working days before the
    closing day and on the closing day itself, at 09:00 local, those before the closing time only."""
    closing_day = closes_at.astimezone(ZoneInfo(tz)).date()
    slots = []
    for days in REMINDER_DAYS:
        day = add_working_days(closing_day, -days) if days else closing_day
        at = local_to_utc(day, REMINDER_TIME, tz)
        if at < closes_at:
            slots.append((str(days), at))
    return slots


def current_reminder(
    closes_at: datetime, opened_at: datetime, tz: str, now: datetime
) -> tuple[str, datetime] | None:
    """The latest reminder slot that has come (and came after the vote opened), or None. Only the latest:
    a bot that was down sends one reminder when it is back, not each one it missed."""
    passed = [(label, at) for label, at in reminder_slots(closes_at, tz) if opened_at < at <= now]
    return passed[-1] if passed else None


def turnout_warning_at(closes_at: datetime, tz: str) -> datetime:
    """One working day before the closing day, 09:00 local: when low turnout is flagged to the channel."""
    closing_day = closes_at.astimezone(ZoneInfo(tz)).date()
    return local_to_utc(add_working_days(closing_day, -1), REMINDER_TIME, tz)


class _Recorded(Protocol):
    @property
    def result(self) -> str | None: ...


def stored_result(vote: _Recorded) -> dict[str, Any]:
    """A closed vote's figures as recorded when it closed (`carried`, `explanation`...)."""
    import json

    try:
        found: dict[str, Any] = json.loads(vote.result or "{}")
        return found
    except ValueError:
        return {}
