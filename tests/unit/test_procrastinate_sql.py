"""jobs/queue.py defers a job by calling procrastinate's own SQL function by name, in the
same statement as the ledger row. That function is procrastinate's private API: these
tests pin it, in the schema of the procrastinate installed (the one the migration
applies), so that an upgrade which renames or reshapes it fails here, pointing at the call.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from procrastinate.schema import SchemaManager

from jobs.queue import _DEFER_SQL

LOCK_FILE = Path(__file__).resolve().parents[2] / "requirements.lock"

# What the ROW(...) in _DEFER_SQL fills, in order: (field, type) as procrastinate declares them.
JOB_TO_DEFER = [
    ("queue_name", "character varying"),  # :queue
    ("task_name", "character varying"),  # :task
    ("priority", "integer"),  # 0
    ("lock", "text"),  # NULL
    ("queueing_lock", "text"),  # fresh.key: the ledger row's key
    ("args", "jsonb"),  # CAST(:args AS jsonb)
    ("scheduled_at", "timestamp with time zone"),  # NULL: now
]


def schema() -> str:
    return SchemaManager.get_schema()


def words(sql: str) -> str:
    return " ".join(sql.split())


def test_the_installed_procrastinate_is_the_one_the_lock_file_pins():
    pinned = re.search(r"^procrastinate==(\S+)", LOCK_FILE.read_text(), re.MULTILINE)
    assert pinned, "requirements.lock no longer pins procrastinate"
    # A new version: check _DEFER_SQL in jobs/queue.py against its schema, then update both.
    assert version("procrastinate") == pinned.group(1)


def test_the_defer_function_takes_an_array_of_jobs_to_defer():
    function = re.search(
        r"CREATE FUNCTION procrastinate_defer_jobs_v1\((.*?)\)\s*RETURNS (\S+)", schema(), re.S
    )
    assert function, "procrastinate_defer_jobs_v1 is gone from procrastinate's schema"
    assert words(function.group(1)) == "jobs procrastinate_job_to_defer_v1[]"
    assert function.group(2) == "bigint[]"
    assert "procrastinate_defer_jobs_v1(ARRAY[ROW(" in _DEFER_SQL
    assert _DEFER_SQL.endswith(")::procrastinate_job_to_defer_v1])")


def test_each_job_to_defer_has_the_fields_our_row_fills_in_order():
    declared = re.search(r"CREATE TYPE procrastinate_job_to_defer_v1 AS \((.*?)\);", schema(), re.S)
    assert declared, "the type procrastinate_job_to_defer_v1 is gone from procrastinate's schema"
    fields = [
        tuple(words(field).split(" ", 1)) for field in declared.group(1).split(",") if field.strip()
    ]
    assert fields == JOB_TO_DEFER
    row = re.search(r"ROW\((.*)\)::procrastinate_job_to_defer_v1", _DEFER_SQL).group(1)
    values = [v.strip() for v in re.split(r",(?![^()]*\))", row)]
    assert values == [":queue", ":task", "0", "NULL", "fresh.key", "CAST(:args AS jsonb)", "NULL"]
