"""SQLite's writers take turns in the process: the next starts as the last ends, acks first."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from storage.db import WriterTurns, goes_first, make_engine


def _waiter(turns: WriterTurns, first: bool, order: list[str], name: str) -> threading.Thread:
    def run() -> None:
        assert turns.take(first)
        order.append(name)
        turns.give()

    t = threading.Thread(target=run)
    t.start()
    return t


def test_an_ack_waiting_goes_before_workers_that_waited_longer():
    turns, order = WriterTurns(), []
    assert turns.take(first=False)  # a worker's transaction holds the lock
    worker = _waiter(turns, False, order, "worker")
    time.sleep(0.05)  # the worker has been waiting a while
    ack = _waiter(turns, True, order, "ack")
    time.sleep(0.05)
    turns.give()
    worker.join(5)
    ack.join(5)
    assert order == ["ack", "worker"]


def test_a_turn_not_given_back_in_time_lets_the_waiter_go_on_to_sqlites_own_lock():
    turns = WriterTurns(patience=0.05)
    assert turns.take(first=False)
    assert turns.take(first=True) is False


def test_every_transaction_gives_its_turn_back_committed_or_not(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    started = time.monotonic()
    with goes_first(), engine.begin() as conn:  # would wait the whole patience if still held
        conn.execute(text("INSERT INTO t VALUES (2)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalars().all() == [2]
    assert time.monotonic() - started < 5
    engine.dispose()
