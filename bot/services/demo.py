"""A demo programme: a CCG's co-commissioning cycle, loaded idempotently."""

from __future__ import annotations

import random
from collections.abc import Callable

from .. import clock
from ..context import Actor
from ..ports import UnitOfWork
from . import deadlines, duties, engagements, raised_issues, stakeholders, votes
from .programmes import setup_programme

DEMO_NAME = "Demo CCG co-commissioning"

# Each feature's demo data, `(uow_factory, programme, actor) -> None`, in the order loaded
# (one may use what an earlier one added).
DEMO_DATA = [
    engagements.demo_data,
    raised_issues.demo_data,  # tags the engagement log's entries
    deadlines.demo_data,
    votes.demo_data,
    duties.demo_data,
    stakeholders.demo_data,  # ratings for the stakeholder map, after the engagement log
]


def demo_year(today) -> int:
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


def demo_practices() -> list[dict]:
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
    uow_factory: Callable[[], UnitOfWork], team_id: str, channel_id: str, admin_user: str
) -> tuple[object, bool]:
    """Returns (programme, created). Running it again changes nothing."""
    actor = Actor(team_id=team_id, user_id=admin_user, _is_workspace_admin=True)
    with uow_factory() as uow:
        existing = uow.programmes.by_channel(team_id, channel_id)
        if existing is not None:
            return existing, False
    programme, _ = setup_programme(
        actor,
        channel_id,
        DEMO_NAME,
        uow_factory(),
        template="co-commissioning",
        year=demo_year(clock.today_in("Europe/London")),
        # The sources date only the 2014/15 round: the demo's dates are that round's milestones
        # moved into the current cycle, so they stay provisional (date to confirm), as they would
        # for a real programme until its admins confirm them.
        model="joint",
    )
    with uow_factory() as uow:
        for row in demo_practices():
            uow.stakeholders.create(programme_id=programme.id, type="practice", **row)
        for type_, name, code in OTHERS:
            uow.stakeholders.create(programme_id=programme.id, type=type_, name=name, code=code)
        uow.commit()
    for add_demo_data in DEMO_DATA:
        add_demo_data(uow_factory, programme, actor)
    return programme, True
