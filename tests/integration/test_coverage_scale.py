"""Coverage and App Home on a programme of 600 stakeholders and 5,000 engagements,
checked against a plain computation over the same generated log."""

import json
import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from blocks.home import home_view
from bot.context import Actor
from bot.coverage import POSITIONS
from bot.services import programmes
from bot.services.coverage import coverage_report, home_for
from storage.models import Action, Engagement, EngagementStakeholder, Stakeholder
from storage.revisions import touch

TODAY = date(2015, 3, 1)
TYPES = (
    ["practice"] * 540
    + ["lmc"] * 10
    + ["healthwatch"] * 10
    + ["hwbb"] * 10
    + ["patient-group"] * 30
)


def build(services, rng):
    programme, _ = programmes.setup_programme(
        Actor("T1", "UADMIN"), "C1", "Big CCG", services.new_uow()
    )
    with services.new_uow() as uow:
        s = uow.session
        rows = [
            {
                "programme_id": programme.id,
                "type": t,
                "name": f"Stakeholder {i:04d}",
                "code": f"S{i:04d}",
                "list_size": rng.randrange(1000, 20000),
                "group_name": f"Locality {i % 6}",
            }
            for i, t in enumerate(TYPES)
        ]
        ids = s.scalars(
            insert(Stakeholder).returning(Stakeholder.id, sort_by_parameter_order=True), rows
        ).all()
        engagements, links = [], []
        logged = datetime(2015, 3, 1, tzinfo=UTC)
        for n in range(5000):
            day = TODAY - timedelta(days=rng.randrange(0, 400))
            engagements.append(
                {
                    "programme_id": programme.id,
                    "kind": rng.choice(["meeting", "email", "call"]),
                    "summary": f"Engagement {n}",
                    "occurred_on": day,
                    "position": rng.choice(POSITIONS + [None, None]),
                    "source": "command",
                    "logged_by": "UADMIN",
                    "logged_at": logged,
                    "withdrawn_at": logged if rng.random() < 0.05 else None,
                }
            )
        eids = s.scalars(
            insert(Engagement).returning(Engagement.id, sort_by_parameter_order=True), engagements
        ).all()
        # Stakeholders 0..59 are never engaged; the rest get one to three per engagement.
        for eid, e in zip(eids, engagements):
            for sid in rng.sample(ids[60:], rng.choice([1, 1, 1, 2, 3])):
                links.append(
                    {
                        "engagement_id": eid,
                        "stakeholder_id": sid,
                        "occurred_on": e["occurred_on"],
                        "position": e["position"],
                        "withdrawn": e["withdrawn_at"] is not None,
                    }
                )
        s.execute(insert(EngagementStakeholder), links)
        s.execute(
            insert(Action),
            [
                {
                    "programme_id": programme.id,
                    "title": f"Action {i}",
                    "owner_id": "UADMIN",
                    "due_on": TODAY + timedelta(days=i),
                    "state": "open",
                    "created_by": "UADMIN",
                    "created_at": logged,
                }
                for i in range(300)
            ],
        )
        touch(s, programme.id)  # bulk Core inserts: say which programme they changed
        uow.commit()
    return programme, dict(zip(ids, TYPES)), {e: eng for e, eng in zip(eids, engagements)}, links


def expected(types, engagements, links, days):
    last, latest = {}, {}
    for link in links:
        e = engagements[link["engagement_id"]]
        if e["withdrawn_at"] is not None:
            continue
        sid = link["stakeholder_id"]
        last[sid] = max(last.get(sid, date.min), e["occurred_on"])
        if e["position"] is not None:
            key = (e["occurred_on"], link["engagement_id"])
            if sid not in latest or key > latest[sid][0]:
                latest[sid] = (key, e["position"])
    since = TODAY - timedelta(days=days)
    engaged = {}
    for sid, t in types.items():
        engaged.setdefault(t, [0, 0])[0 if last.get(sid, date.min) >= since else 1] += 1
    return last, {sid: p for sid, (_, p) in latest.items()}, engaged


def test_coverage_and_home_on_600_stakeholders_and_5000_engagements(any_services):
    rng = random.Random(600)
    programme, types, engagements, links = build(any_services, rng)
    last, positions, engaged = expected(types, engagements, links, 30)
    with any_services.new_uow() as uow:
        assert uow.engagements.last_engaged(programme.id) == last
        assert uow.engagements.latest_positions(programme.id) == positions
        report = coverage_report(uow, programme, 30, TODAY)
    assert {t.type: [t.engaged, t.not_engaged_count] for t in report.types} == engaged
    practices = report.of_type("practice")
    overdue = practices.not_engaged
    assert all(n.last_engaged is None for n in overdue[:1])  # never-engaged practices lead
    dated = [n.last_engaged for n in overdue if n.last_engaged]
    assert dated == sorted(dated)
    assert sum(s.count for s in report.positions) == 540
    assert abs(sum(s.share for s in report.positions) - 1) < 1e-9

    with_home = home_view(home_for(Actor("T1", "UADMIN"), any_services.new_uow()))
    assert len(with_home["blocks"]) < 100
    assert all(len((b.get("text") or {}).get("text", "")) <= 3000 for b in with_home["blocks"])
    assert "Big CCG" in json.dumps(with_home)
