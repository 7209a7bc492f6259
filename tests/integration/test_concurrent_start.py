"""Several processes starting at once all bring the database to the schema, safely."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]


def test_processes_starting_together_migrate_once(db_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = db_url
    procs = [
        subprocess.Popen(
            [sys.executable, "app.py", "migrate"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert all(code == 0 for _, _, code in results), [err[-2000:] for _, err, _ in results]
    engine = create_engine(db_url)
    with engine.connect() as conn:
        heads = conn.execute(text("SELECT count(*) FROM alembic_version")).scalar()
        assert heads >= 1
        assert conn.execute(text("SELECT count(*) FROM programme")).scalar() == 0
    engine.dispose()


def test_migrations_form_one_line_with_one_head():
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config, make_engine

    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
