"""`python app.py export engagements --programme NAME` writes the CSV to standard output."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, db):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    return subprocess.run(
        [sys.executable, "app.py", *args], capture_output=True, cwd=ROOT, env=env, timeout=120
    )


def test_export_engagements_from_the_command_line(tmp_path):
    db = tmp_path / "c.db"
    assert _run(["demo"], db).returncode == 0
    out = _run(["export", "engagements", "--programme", "demo ccg co-commissioning"], db)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(b"\xef\xbb\xbf")  # Excel reads the encoding
    rows = list(csv.DictReader(io.StringIO(out.stdout.decode("utf-8-sig"))))
    assert len(rows) > 40 and {r["stakeholder_type"] for r in rows} >= {
        "practice",
        "lmc",
        "healthwatch",
        "hwbb",
    }
    assert all(len(r["date"]) == 10 and r["date"][4] == "-" for r in rows)
    assert b"engagements" in out.stderr
    missing = _run(["export", "engagements", "--programme", "Nowhere"], db)
    assert missing.returncode != 0 and b"No programme is called" in missing.stderr
