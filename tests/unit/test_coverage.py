"""Coverage rules, without storage."""

from datetime import date, timedelta

from bot.coverage import StakeholderFact, bar, build_report, is_engaged

TODAY = date(2015, 3, 4)


def fact(i, type_="practice", last=None, position=None, size=None, name=None):
    return StakeholderFact(i, type_, name or f"P{i:03d}", f"E{i:05d}", size, last, position)


def test_engaged_means_within_n_days_counting_back_from_today():
    assert is_engaged(TODAY - timedelta(days=30), TODAY, 30)
    assert not is_engaged(TODAY - timedelta(days=31), TODAY, 30)
    assert not is_engaged(None, TODAY, 30)


def test_not_engaged_are_never_engaged_first_then_the_longest_ago():
    facts = [
        fact(1, last=TODAY - timedelta(days=40), name="Bravo"),
        fact(2, last=None, name="Zulu"),
        fact(3, last=TODAY - timedelta(days=90), name="Alpha"),
        fact(4, last=TODAY, name="Charlie"),
        fact(5, last=None, name="Echo"),
    ]
    report = build_report("P", facts, 30, TODAY)
    practices = report.of_type("practice")
    assert practices.engaged == 1 and practices.total == 5
    assert [n.name for n in practices.not_engaged] == ["Echo", "Zulu", "Alpha", "Bravo"]
    assert practices.not_engaged[2].days_since(TODAY) == 90


def test_types_follow_the_register_order_and_only_appear_when_present():
    report = build_report("P", [fact(1, "hwbb"), fact(2, "lmc"), fact(3, "practice")], 30, TODAY)
    assert [t.type for t in report.types] == ["practice", "lmc", "hwbb"]


def test_positions_count_practices_and_share_the_list_size():
    facts = [
        fact(1, position="support", size=6000),
        fact(2, position="support", size=2000),
        fact(3, position="oppose", size=2000),
        fact(4, size=None),
        fact(5, "lmc", position="oppose", size=999),
    ]
    report = build_report("P", facts, 30, TODAY)
    shares = {s.position: s for s in report.positions}
    assert report.practice_list_size == 10000
    assert (shares["support"].count, shares["support"].list_size, shares["support"].share) == (
        2,
        8000,
        0.8,
    )
    assert (shares["oppose"].count, shares["oppose"].share) == (1, 0.2)  # the LMC is not a practice
    assert (shares["unknown"].count, shares["unknown"].share) == (1, 0.0)
    assert shares["neutral"].count == 0


def test_bar_never_hides_a_little_and_never_rounds_up_to_all():
    assert bar(0, 10) == "□" * 10
    assert bar(10, 10) == "■" * 10
    assert bar(1, 600).count("■") == 1
    assert bar(599, 600).count("■") == 9
    assert bar(0, 0) == "□" * 10
