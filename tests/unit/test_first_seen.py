"""The people a process remembers having looked up: bounded, and each looked up once while
remembered."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from handlers.pipeline.first_seen import FirstSeen


class Recording(FirstSeen):
    def __init__(self, remember: int):
        super().__init__(services=None, remember=remember)
        self.looked_up: list[tuple[str, str]] = []

    def look_up(self, client, team, user):
        self.looked_up.append((team, user))


def request_from(first_seen: FirstSeen, user: str, body: dict | None = None) -> None:
    context = SimpleNamespace(team_id="T1", user_id=user)
    first_seen(context, client=None, next=lambda: None, body=body)


def test_stays_bounded_however_many_people_it_sees():
    first_seen = Recording(remember=50)
    for n in range(500):
        request_from(first_seen, f"U{n}")
    first_seen.pool.shutdown(wait=True)
    assert len(first_seen.known) == 50
    assert len(first_seen.looked_up) == 500


def test_looks_each_person_up_once_while_remembered():
    first_seen = Recording(remember=3)
    for _ in range(5):
        request_from(first_seen, "UPAT", {"text": "engage <@UJO> <@UKIM|kim>"})
    first_seen.pool.shutdown(wait=True)
    assert sorted(first_seen.looked_up) == [("T1", "UJO"), ("T1", "UKIM"), ("T1", "UPAT")]


def test_the_least_recently_seen_is_forgotten_first_and_looked_up_again():
    first_seen = Recording(remember=2)
    request_from(first_seen, "UPAT")
    request_from(first_seen, "UJO")
    request_from(first_seen, "UPAT")  # seen again: now the most recent
    request_from(first_seen, "UKIM")  # forgets UJO, not UPAT
    request_from(first_seen, "UPAT")
    request_from(first_seen, "UJO")
    first_seen.pool.shutdown(wait=True)
    # (two lookup threads: the order of the lookups themselves is not fixed)
    assert Counter(user for _, user in first_seen.looked_up) == {"UPAT": 1, "UJO": 2, "UKIM": 1}
