"""What a process knows of the database: kept only while trusted, dropped when announced."""

from __future__ import annotations

from bot.services.read_models import ReadModelCache
from storage.invalidation import Announcement, Known


def trusted() -> Known:
    known = Known()
    known.trust()
    return known


def test_nothing_is_known_until_trusted():
    known = Known()
    known.put(known.ticket(), "a", 1, programmes=[1])
    assert known.get("a") is None
    known.trust()
    known.put(known.ticket(), "a", 1, programmes=[1])
    assert known.get("a") == 1


def test_an_announcement_drops_what_is_filed_under_its_programmes_and_workspaces():
    known = trusted()
    known.put(known.ticket(), "channel C1", (1, 7, "UTC"), programmes=[1])
    known.put(known.ticket(), "channel C2", (2, 3, "UTC"), programmes=[2])
    known.put(known.ticket(), "feed f", "row", programmes=[2], teams=["T1"])
    known.announce(Announcement(programmes=frozenset({1})))
    assert known.get("channel C1") is None and known.get("channel C2") == (2, 3, "UTC")
    known.announce(Announcement(teams=frozenset({"T1"})))
    assert known.get("feed f") is None and known.get("channel C2") is not None
    known.announce(Announcement(everything=True))
    assert known.get("channel C2") is None


def test_a_fact_read_before_an_announcement_is_not_kept_after_it():
    known = trusted()
    ticket = known.ticket()  # a request starts reading revision 7 of programme 1 ...
    known.announce(Announcement(programmes=frozenset({1})))  # ... a commit raises it to 8
    known.put(ticket, "channel C1", (1, 7, "UTC"), programmes=[1])  # ... and files what it read
    assert known.get("channel C1") is None  # never trusted: the next request reads again


def test_losing_the_connection_forgets_everything_and_stops_trusting():
    known = trusted()
    cache = ReadModelCache()
    known.subscribe(cache.drop)
    cache.put(("coverage", 1), 7, "report", 1)
    cache.put(("coverage", 2), 3, "report", 2)
    known.put(known.ticket(), "k", "v", programmes=[1])
    ticket = known.ticket()
    known.distrust()
    assert len(cache) == 0 and known.get("k") is None and known.ticket() is None
    known.put(ticket, "k", "v", programmes=[1])  # read while the connection was being lost
    known.trust()
    assert known.get("k") is None


def test_subscribed_caches_drop_the_announced_programmes_answers():
    known = trusted()
    cache = ReadModelCache()
    known.subscribe(cache.drop)
    cache.put(("coverage", 1), 7, "one", 1)
    cache.put(("coverage", 2), 3, "two", 2)
    known.announce(Announcement(programmes=frozenset({1})))
    assert len(cache) == 1 and cache.get(("coverage", 2), 3) == "two"


def test_announcements_travel_as_payloads_under_the_notify_limit():
    news = Announcement(frozenset(range(1, 3000)), frozenset({"T1", "T2"}))
    payloads = news.payloads()
    assert len(payloads) > 1 and all(len(p) < 8000 for p in payloads)
    back = [Announcement.parse(p) for p in payloads]
    assert frozenset().union(*(b.programmes for b in back)) == news.programmes
    assert frozenset().union(*(b.teams for b in back)) == news.teams
    assert Announcement.parse("*").everything
    assert not Announcement.parse("sync:1:2:3")
    assert Announcement(everything=True).payloads() == ["*"]
