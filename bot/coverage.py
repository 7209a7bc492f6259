"""Engagement vocabulary and coverage: who has been heard within N days, and where
member practices stand. Pure: facts in, a report out (no storage, no Slack).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .ratings import MANAGE_CLOSELY, quadrant
from .stakeholder_types import TYPE_LABELS, TYPES, in_order

KINDS = ["meeting", "email", "letter", "call", "event", "survey", "board-paper", "other"]
KIND_ALIASES = {
    "phone": "call",
    "phone-call": "call",
    "board": "board-paper",
    "paper": "board-paper",
    "meetings": "meeting",
    "emails": "email",
    "visit": "meeting",
    "workshop": "event",
}
POSITIONS = ["support", "oppose", "undecided", "neutral"]
UNKNOWN = "unknown"  # no position recorded yet
POSITION_ALIASES = {
    "for": "support",
    "supports": "support",
    "yes": "support",
    "against": "oppose",
    "opposed": "oppose",
    "opposes": "oppose",
    "no": "oppose",
    "unsure": "undecided",
}
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class StakeholderFact:
    """What coverage needs to know about one stakeholder."""

    id: int
    type: str
    name: str
    code: str | None = None
    list_size: int | None = None
    last_engaged: date | None = None
    position: str | None = None
    influence: int | None = None  # 1 to 5, None: not rated (the stakeholder map)
    interest: int | None = None


@dataclass(frozen=True)
class NotEngaged:
    id: int
    name: str
    code: str | None
    last_engaged: date | None  # None: never engaged

    def days_since(self, today: date) -> int | None:
        return (today - self.last_engaged).days if self.last_engaged else None


@dataclass(frozen=True)
class PositionShare:
    position: str
    count: int
    list_size: int
    share: float  # of the total registered list size of the practices, 0..1


@dataclass
class TypeCoverage:
    type: str
    label: str
    engaged: int
    not_engaged: list[NotEngaged]  # most overdue first

    @property
    def total(self) -> int:
        return self.engaged + len(self.not_engaged)

    @property
    def not_engaged_count(self) -> int:
        return len(self.not_engaged)


@dataclass(frozen=True)
class DutyState:
    id: int
    title: str
    state: str  # open | done | na
    due_on: date | None = None


@dataclass
class CoverageReport:
    programme: str
    days: int
    today: date
    types: list[TypeCoverage]
    positions: list[PositionShare] = field(default_factory=list)  # member practices only
    practice_list_size: int = 0
    duties: list[DutyState] = field(default_factory=list)
    # Rated "manage closely" on the stakeholder map and not engaged within `days`: named first.
    manage_closely_quiet: list[NotEngaged] = field(default_factory=list)

    @property
    def since(self) -> date:
        return since(self.today, self.days)

    def of_type(self, type_: str) -> TypeCoverage | None:
        return next((t for t in self.types if t.type == type_), None)


def since(today: date, days: int) -> date:
    """The first day that still counts as "within N days" (today counts as day 0)."""
    return today - timedelta(days=days)


def is_engaged(last: date | None, today: date, days: int) -> bool:
    return last is not None and last >= since(today, days)


def _overdue_order(item: NotEngaged) -> tuple[bool, date, str]:
    # Never engaged first, then the longest ago; names break ties so the order is stable.
    return (item.last_engaged is not None, item.last_engaged or date.min, item.name.lower())


def build_report(
    programme: str,
    facts: list[StakeholderFact],
    days: int,
    today: date,
    duties: list[DutyState] | None = None,
    type_order: list[str] | None = None,
) -> CoverageReport:
    """`type_order`: the programme's template's own types first, in its order (e.g. the
    scrutiny committee first for a service change), then the rest in the register's order."""
    by_type: dict[str, TypeCoverage] = {}
    for f in facts:
        t = by_type.get(f.type)
        if t is None:
            t = by_type[f.type] = TypeCoverage(f.type, TYPE_LABELS.get(f.type, f.type), 0, [])
        if is_engaged(f.last_engaged, today, days):
            t.engaged += 1
        else:
            t.not_engaged.append(NotEngaged(f.id, f.name, f.code, f.last_engaged))
    for t in by_type.values():
        t.not_engaged.sort(key=_overdue_order)
    order = {name: i for i, name in enumerate(in_order(type_order))}
    types = sorted(by_type.values(), key=lambda t: (order.get(t.type, len(TYPES)), t.type))
    practices = [f for f in facts if f.type == "practice"]
    positions, total_size = practice_positions(practices)
    quiet = sorted(
        (
            NotEngaged(f.id, f.name, f.code, f.last_engaged)
            for f in facts
            if f.influence is not None
            and f.interest is not None
            and quadrant(f.influence, f.interest) == MANAGE_CLOSELY
            and not is_engaged(f.last_engaged, today, days)
        ),
        key=_overdue_order,
    )
    return CoverageReport(
        programme, days, today, types, positions, total_size, list(duties or []), quiet
    )


def practice_positions(practices: list[StakeholderFact]) -> tuple[list[PositionShare], int]:
    """Count and list-size share per current position, every position shown (unknown last)."""
    total = sum(p.list_size or 0 for p in practices)
    shares = []
    for position in POSITIONS + [UNKNOWN]:
        members = [p for p in practices if (p.position or UNKNOWN) == position]
        size = sum(p.list_size or 0 for p in members)
        shares.append(PositionShare(position, len(members), size, size / total if total else 0.0))
    return shares, total


def bar(part: int, whole: int, width: int = 10) -> str:
    """A text bar for Slack: ■ for the share engaged, □ for the rest."""
    if whole <= 0:
        return "□" * width
    filled = round(width * part / whole)
    if part and not filled:
        filled = 1  # something engaged never looks like nothing
    if part < whole and filled == width:
        filled = width - 1
    return "■" * filled + "□" * (width - filled)


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"
