"""The benchmark's harness, kept working: a tiny data set, one scenario, a handful of requests.

`make bench` is not part of the suite (it takes minutes at national scale);
this runs its pieces end to end so that they cannot rot unnoticed. Nothing
here is timed: it checks that every request was acknowledged and answered.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.bench.dataset import Scale, build
from tests.bench.load import BenchSlack, Signer, percentile, run, start_app, start_bare
from tests.bench.scenarios import all_scenarios

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TINY = Scale(programmes=2, practices=10, others=4, engagements=40, deadlines=6)


def test_dataset_is_consistent(pg_url):
    data = build(pg_url, TINY, log=lambda *_: None)
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:

            def count(sql):
                return conn.execute(text(sql)).scalar()

            assert count("SELECT count(*) FROM programme") == 2
            assert count("SELECT count(*) FROM stakeholder WHERE type = 'practice'") == 10
            assert count("SELECT count(*) FROM engagement") == 40
            # every engagement names at least one stakeholder of its own programme, with its date and position
            assert (
                count(
                    "SELECT count(*) FROM engagement e WHERE NOT EXISTS (SELECT 1 FROM engagement_stakeholder l "
                    "JOIN stakeholder s ON s.id = l.stakeholder_id WHERE l.engagement_id = e.id "
                    "AND s.programme_id = e.programme_id AND l.occurred_on = e.occurred_on "
                    "AND l.position IS NOT DISTINCT FROM e.position)"
                )
                == 0
            )
            # one open vote per programme; its electorate is the programme's practices
            assert count("SELECT count(*) FROM vote WHERE state = 'open'") == 2
            assert count("SELECT count(*) FROM elector") == 10
            # sequences moved past the copied ids: the next engagement does not collide
            assert count("SELECT nextval(pg_get_serial_sequence('engagement', 'id'))") == 41
    finally:
        engine.dispose()
    assert sum(1 for p in data.programmes if p.feed_token) >= 1
    assert all(len(p.practice_codes) == 5 for p in data.programmes)


def test_one_scenario_against_the_app_and_the_bare_app(pg_url, tmp_path):
    data = build(pg_url, TINY, log=lambda *_: None)
    scenario = next(s for s in all_scenarios() if s.key == "register")  # the register: always there
    assert scenario.available
    slack = BenchSlack()
    servers = []
    try:
        servers.append(start_app("app", pg_url, slack, threads=4, log_dir=tmp_path))
        servers.append(start_bare(slack, threads=4, log_dir=tmp_path))
        signer = Signer()
        for server in servers:
            make = scenario.prepare(server, data, slack, signer)
            sample = run(server, slack, make, requests=6, clients=3, warmup=1)
            assert sample.failures == [], server.log_tail()
            assert sample.n == 6
            assert all(f is not None and f > 0 for f in sample.final)
            assert percentile(sample.ack, 50) <= percentile(sample.ack, 99)
            assert sample.cpu >= 0
        # the app answered from the data set; the bare app only says ok
        assert any("Practice 0000" in r["text"] for r in slack.sent("response"))
        assert any(r["text"] == "ok" for r in slack.sent("response"))
    finally:
        for server in servers:
            server.stop()
        slack.close()


def test_issue_counts_in_the_dataset_are_what_the_app_would_keep(pg_url):
    """The data set writes issue counts directly; recounting them the app's way changes nothing."""
    from storage.db import make_engine
    from storage.uow import UnitOfWorkFactory

    build(
        pg_url,
        Scale(programmes=2, practices=10, others=4, engagements=400, deadlines=6),
        log=lambda *_: None,
    )
    engine = make_engine(pg_url)
    try:
        with UnitOfWorkFactory(engine)() as uow:

            def snapshot():
                issues = [
                    (i.id, i.stakeholders, i.engagements, i.first_raised_on, i.last_raised_on)
                    for p in (1, 2)
                    for i in uow.raised_issues.ranked(p)
                ]
                raisers = sorted(
                    (i[0], s.id, r.engagements, r.first_raised_on, r.last_raised_on)
                    for i in issues
                    for s, r in uow.raised_issues.raisers(i[0])
                )
                return issues, raisers

            before = snapshot()
            assert len(before[0]) == 80 and sum(i[2] for i in before[0]) > 0
            for issue_id, *_ in before[0]:
                uow.raised_issues.refresh(issue_id, None)
            assert snapshot() == before
    finally:
        engine.dispose()


def test_rendering_every_digest_with_its_charts(pg_url):
    from tests.bench.plans import render_all_digest_charts

    data = build(pg_url, TINY, log=lambda *_: None)
    charted = render_all_digest_charts(data)
    assert charted["digests"] == 2
    # Each digest has a coverage chart, and a positions chart when practices stated positions.
    assert 2 <= charted["pictures"] <= 4 and charted["bytes"] > 2 * 5_000
    assert charted["slack_needs"] >= charted["digests"] * 1.0  # posts a second apart at least


def test_every_feed_scenario_finds_the_feed_route():
    # A renamed route table once left the feed scenarios quietly "not available".
    from tests.bench.scenarios import feed_scenarios

    scenarios = feed_scenarios()
    assert scenarios and all(s.available for s in scenarios), [
        (s.key, s.why_not) for s in scenarios
    ]


def test_the_personal_digest_sweep_measure(pg_url):
    from tests.bench.plans import personal_digest_sweep

    data = build(pg_url, TINY, log=lambda *_: None)
    found = personal_digest_sweep(data)
    assert "error" not in found, found
    assert found["people"] > 0 and found["due"] == found["people"]
    assert 0 < found["dms"] <= found["people"]  # those with nothing get no DM
    # A tick takes at most per_tick people: the sweeps go on until everyone is settled.
    assert found["ticks"] == -(-found["people"] // found["per_tick"])
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:  # it leaves nothing behind for the other measurements
            assert conn.execute(text("SELECT count(*) FROM personal_digest")).scalar() == 0
    finally:
        engine.dispose()


def test_the_nation_day_plan(pg_url):
    # The day's schedule: office hours for Slack requests, feed polls round the clock.
    from tests.bench.nation_day import (
        CLICKS_PER_PERSON,
        COMMANDS_PER_PERSON,
        OFFICE_START,
        plan_day,
    )

    data = build(pg_url, TINY, log=lambda *_: None)
    day = plan_day(data, scale=0.01)
    kinds = [e.kind for e in day.events]
    assert day.active >= len(data.programmes)  # every admin at least
    assert kinds.count("command") == day.active * COMMANDS_PER_PERSON
    assert kinds.count("click") <= (day.active - len(data.programmes)) * CLICKS_PER_PERSON
    assert all(OFFICE_START <= e.at < 17.5 * 3600 for e in day.events if e.kind != "poll")
    assert kinds.count("poll") == day.subscribers * 48 and day.subscribers >= 1
    assert [e.at for e in day.events] == sorted(e.at for e in day.events)
