"""The soak harness, kept working: one minute on a tiny data set, every check in force.

`make soak` runs for 30 minutes at a national rate and is not part of the
suite; this runs the same harness end to end so it cannot rot unnoticed.
Nothing here is timed: it passes when every reminder, owner DM and digest
due in the minute went out exactly once and no request got an error.
"""

from __future__ import annotations

import pytest

from tests.soak.__main__ import main

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_a_one_minute_soak_sends_everything_once_and_answers_everything(tmp_path):
    report = tmp_path / "soak.md"
    code = main(
        [
            "--minutes", "1",
            "--factor", "0.01",
            "--engagements", "300",
            "--subscribers", "20",
            "--poll-seconds", "10",
            "--commands-per-second", "0.5",
            "--failure-rate", "0.05",
            "--sample-seconds", "10",
            "--memory-tolerance-mb", "500",  # a minute is all warm-up: memory is not judged here
            "--settle-seconds", "65",
            "--log-dir", str(tmp_path),
            "--markdown", str(report),
        ]
    )  # fmt: skip
    text = report.read_text()
    assert code == 0, text
    assert "FAIL" not in text and "every digest sent (3/3)" in text
