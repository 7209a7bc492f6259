"""The bench's judgement of SQLite's burst acks: on the worst command, failures counted."""

from tests.bench.__main__ import worst_sqlite_kind


def row(app_p99: float, bare_p99: float, failures: int = 0) -> dict:
    return {"app": {"p99_ms": app_p99, "failures": failures}, "bare": {"p99_ms": bare_p99}}


def test_the_worst_command_is_judged_with_every_failure():
    got = worst_sqlite_kind(
        {"kinds": {"coverage": row(21.9, 15.3), "engage": row(40.0, 15.0, failures=2)}}
    )
    assert got == {
        "kind": "engage",
        "ack_p99_ms": 40.0,
        "bare_ack_p99_ms": 15.0,
        "failures": 2,
    }


def test_nothing_measured_is_not_a_pass():
    assert worst_sqlite_kind({"kinds": {}})["failures"] == 1
