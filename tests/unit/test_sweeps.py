from datetime import UTC, datetime, timedelta

import jobs
from bot.services.container import Services


def test_slow_sweeps_skip_ticks_and_minute_sweeps_run_every_tick(monkeypatch):
    runs = []
    monkeypatch.setattr(
        jobs,
        "SWEEPS",
        {
            "hourly": jobs.Sweep("hourly", lambda svc, now: runs.append(("hourly", now)), 3600),
            "minutely": jobs.Sweep("minutely", lambda svc, now: runs.append(("minutely", now)), 60),
        },
    )
    services = Services(settings=None, new_uow=None)
    start = datetime(2015, 3, 2, 9, 0, tzinfo=UTC)
    for minute in range(0, 121):
        jobs.run_sweeps(services, start + timedelta(minutes=minute))
    assert sum(1 for name, _ in runs if name == "minutely") == 121
    assert [now.hour for name, now in runs if name == "hourly"] == [9, 10, 11]


def test_a_failing_sweep_does_not_stop_the_others(monkeypatch):
    runs = []

    def broken(svc, now):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        jobs,
        "SWEEPS",
        {"a": jobs.Sweep("a", broken), "b": jobs.Sweep("b", lambda s, n: runs.append(n))},
    )
    jobs.run_sweeps(Services(settings=None, new_uow=None), datetime(2015, 1, 1, tzinfo=UTC))
    assert len(runs) == 1
