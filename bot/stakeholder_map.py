"""The stakeholder map: influence against interest, in four quadrants.

Pure: stakeholders with their ratings in, the map out. The ratings and their
quadrants are in bot/ratings.py (the coverage report uses them too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .coverage import StakeholderFact, is_engaged
from .ratings import MANAGE_CLOSELY, QUADRANTS, quadrant


@dataclass(frozen=True)
class MapEntry:
    id: int
    type: str
    name: str
    code: str | None
    influence: int | None
    interest: int | None
    position: str | None  # its current position; None: none recorded
    last_engaged: date | None
    engaged_recently: bool


@dataclass
class StakeholderMap:
    programme: str
    today: date
    days: int  # "heard from recently" means within this many days
    quadrants: dict[str, list[MapEntry]] = field(default_factory=dict)
    unrated: list[MapEntry] = field(default_factory=list)

    @property
    def rated(self) -> int:
        return sum(len(v) for v in self.quadrants.values())

    def quiet(self, name: str = MANAGE_CLOSELY) -> list[MapEntry]:
        """Those in a quadrant not heard from within `days`, longest silent first."""
        return sorted(
            (e for e in self.quadrants.get(name, []) if not e.engaged_recently),
            key=lambda e: (e.last_engaged is not None, e.last_engaged or date.min, e.name.lower()),
        )


def build_map(
    programme: str, facts: list[StakeholderFact], today: date, days: int
) -> StakeholderMap:
    m = StakeholderMap(programme, today, days, {name: [] for name, _, _ in QUADRANTS})
    for f in facts:
        entry = MapEntry(
            f.id,
            f.type,
            f.name,
            f.code,
            f.influence,
            f.interest,
            f.position,
            f.last_engaged,
            is_engaged(f.last_engaged, today, days),
        )
        if f.influence is None or f.interest is None:
            m.unrated.append(entry)
        else:
            m.quadrants[quadrant(f.influence, f.interest)].append(entry)
    for entries in m.quadrants.values():
        # The most influential and interested first in each quadrant; names break ties.
        # (Everyone in a quadrant is rated: the `or 0` is for the type checker only.)
        entries.sort(key=lambda e: (-(e.influence or 0), -(e.interest or 0), e.name.lower()))
    m.unrated.sort(key=lambda e: e.name.lower())
    return m
