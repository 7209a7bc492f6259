"""The delivery ledger: exactly once, on both engines."""

import threading

from freezegun import freeze_time

from bot.services.deliveries import deliver_once


def _deliver(svc, key, send, **kw):
    return deliver_once(
        svc.new_uow(), key, programme_id=None, kind="test", recipient="C1", send=send, **kw
    )


def test_second_delivery_of_a_key_is_skipped(any_services):
    sent = []
    assert _deliver(any_services, "k1", lambda: sent.append(1) or "1.0")
    assert not _deliver(any_services, "k1", lambda: sent.append(2) or "2.0")
    assert sent == [1]
    with any_services.new_uow() as uow:
        row = uow.deliveries.get("k1")
        assert (row.state, row.message_ts) == ("sent", "1.0")


def test_a_failed_send_is_retried_by_the_next_sweep(any_services):
    def boom():
        raise ConnectionError("slack down")

    assert not _deliver(any_services, "k2", boom)
    with any_services.new_uow() as uow:
        assert uow.deliveries.get("k2").state == "failed"
    assert _deliver(any_services, "k2", lambda: "3.0")
    with any_services.new_uow() as uow:
        row = uow.deliveries.get("k2")
        assert (row.state, row.attempts) == ("sent", 2)


def test_many_senders_at_once_send_once(any_services):
    sent = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def send():
        with lock:
            sent.append(1)
        return "1.0"

    def worker():
        barrier.wait()
        _deliver(any_services, "k3", send)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sent == [1]


def test_a_crash_between_posting_and_recording_is_settled_from_slack(any_services):
    # A claim whose process died: only settled (never re-sent blindly) after it goes stale.
    with freeze_time("2015-01-05 09:00:00"):
        with any_services.new_uow() as uow:
            from bot import clock

            uow.deliveries.claim(
                "k4", programme_id=None, kind="test", recipient="C1", late=False, now=clock.now()
            )
            uow.commit()
        assert not _deliver(any_services, "k4", lambda: "x", already_sent=lambda: "9.9")
    with freeze_time("2015-01-05 09:10:00"):
        sent = []
        assert not _deliver(any_services, "k4", lambda: sent.append(1), already_sent=lambda: "9.9")
        assert sent == []
        with any_services.new_uow() as uow:
            assert uow.deliveries.get("k4").state == "sent"
    # And when Slack has no such message, the stale claim is sent once.
    with freeze_time("2015-01-05 09:00:00"):
        with any_services.new_uow() as uow:
            from bot import clock

            uow.deliveries.claim(
                "k5", programme_id=None, kind="test", recipient="C1", late=False, now=clock.now()
            )
            uow.commit()
    with freeze_time("2015-01-05 09:10:00"):
        assert _deliver(any_services, "k5", lambda: "5.5", already_sent=lambda: None)
        assert not _deliver(any_services, "k5", lambda: "5.6", already_sent=lambda: None)
