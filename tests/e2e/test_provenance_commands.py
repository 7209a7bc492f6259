"""Provisional dates, the model and the agreed HWBB over signed HTTP, with the Slack stand-in
and real feed fetches."""

from __future__ import annotations

import re

from icalendar import Calendar

from tests.e2e.test_calendar_http import subscribe


def _posts(slack) -> list[str]:
    return [m["text"] for m in slack.sent("chat.postMessage")]


def _statuses(app, path) -> dict[str, str]:
    """Summary -> STATUS of each deadline event in the feed."""
    r = app.get(path)
    assert r.status == 200
    cal = Calendar.from_ical(r.body)
    return {
        str(e["SUMMARY"]): str(e["STATUS"])
        for e in cal.walk("VEVENT")
        if "-deadline-" in str(e["UID"])
    }


def _id_of(text: str, title: str) -> str:
    line = next(x for x in text.splitlines() if title in x)
    return re.search(r"`#(\d+)`", line).group(1)


def test_a_2026_programme_is_provisional_everywhere_until_confirmed(running_app, slack):
    app = running_app
    app.command('setup "X CCG" --template co-commissioning --year 2026 --model delegated')
    slack.wait_for("chat.postMessage")
    setup_post = _posts(slack)[-1]
    assert "*provisional*" in setup_post and "2014/15 round" in setup_post
    # 20 June 2026 and 9 January 2027 are Saturdays: the Friday before, marked to confirm.
    assert "Fri 19 Jun 2026 _(provisional: date to confirm)_" in setup_post
    assert "Fri 8 Jan 2027 _(provisional: date to confirm)_" in setup_post
    assert "Sat " not in setup_post and "Sun " not in setup_post
    assert "`/consult deadline confirm <id>`" in setup_post
    assert "Source: NHS England letter inviting expressions of interest, May 2014" in setup_post
    assert "Joint commissioning proforma" not in setup_post  # delegated: its own proforma only

    listing = app.reply("deadlines")
    assert "provisional" in listing and "Source: " in listing
    _, _, path = subscribe(app)
    statuses = _statuses(app, path)
    assert statuses and set(statuses.values()) == {"TENTATIVE"}
    assert all("(provisional)" in s for s in statuses)

    proforma = _id_of(setup_post, "Delegated commissioning proforma")
    reply = app.reply(f"deadline confirm {proforma}")
    assert reply == f"`#{proforma}` is confirmed for Fri 8 Jan 2027."
    assert "confirmed the date of *Delegated commissioning proforma" in _posts(slack)[-1]
    statuses = _statuses(app, path)
    assert statuses["Deadline: Delegated commissioning proforma to NHS England"] == "CONFIRMED"
    assert sum(1 for s in statuses.values() if s == "TENTATIVE") == len(statuses) - 1

    again = app.reply(f"deadline confirm {proforma}")
    assert "is not provisional" in again and "deadline move" in again
    assert "Give the number of the deadline to confirm" in app.reply("deadline confirm")
    assert "no deadline or meeting #999" in app.reply("deadline confirm 999")
    refused = app.reply(f"deadline confirm {proforma}", user="UOTHER")
    assert "Only the programme's admins" in refused


def test_2014_dates_are_the_documented_ones_and_only_the_local_one_is_provisional(
    running_app, slack
):
    app = running_app
    app.command('setup "Hillingdon" --template co-commissioning --year 2014 --model joint')
    slack.wait_for("chat.postMessage")
    post = _posts(slack)[-1]
    assert "as the sources set them" in post
    # Only Hillingdon CCG's own vote date is to confirm: offered as a suggestion, not as fixed.
    [marked] = [line for line in post.splitlines() if "provisional" in line and "•" in line]
    assert "Member practice vote" in marked and "Hillingdon CCG's own date" in marked
    assert "Fri 20 Jun 2014" in post and "Fri 30 Jan 2015" in post and "Fri 9 Jan 2015" not in post


def test_changing_the_model_says_what_changed(running_app, slack):
    app = running_app
    app.command('setup "X CCG" --template co-commissioning --year 2014')
    slack.wait_for("chat.postMessage")
    assert "Model: *undecided*" in _posts(slack)[-1]
    app.command('stakeholder add hwbb "Hillingdon HWBB"')
    before = len(slack.sent("chat.postMessage"))
    reply = app.reply("programme model joint")
    assert reply == "Done: the model is now *joint*."
    slack.wait_for("chat.postMessage", before + 1)
    post = _posts(slack)[-1]
    assert "Model changed from *undecided* to *joint*." in post
    assert "*Deadlines added:*" in post and "Joint commissioning proforma" in post
    assert "*Duties added:*" in post and "standing invitation" in post
    assert "*Done by this choice:*" in post and "Decide which model" in post

    app.reply("programme model greater-involvement")
    post = _posts(slack)[-1]
    assert "*Deadlines cancelled (they stop reminding):*" in post
    assert "Nothing is deleted" in post

    bad = app.reply("programme model delegate")
    assert "'delegate' is not a model" in bad and "Did you mean `delegated`?" in bad
    assert "Usage:" not in bad or "programme model" in bad
    assert "already greater-involvement" in app.reply("programme model greater-involvement")
    assert "Only the programme's admins" in app.reply("programme model joint", user="UOTHER")
    assert "Give one model" in app.reply("programme model")
    assert "not a programme command" in app.reply("programme frobnicate")


def test_two_hwbbs_agree_which_is_invited(running_app, slack):
    app = running_app
    app.command('setup "X CCG" --template co-commissioning --year 2014 --model delegated')
    app.command('stakeholder add hwbb "Hillingdon HWBB"')
    app.command('stakeholder add hwbb "Ealing HWBB"')
    listing = app.reply("duties")
    line = next(x for x in listing.splitlines() if "which of them is invited" in x)
    agree = re.search(r"\*(\d+)\*", line).group(1)
    assert "Issue Hillingdon HWBB a standing invitation" not in listing  # waits for the agreement
    needs = app.reply(f"duty done {agree}")
    assert "--board" in needs
    needs = app.reply(f'duty done {agree} --board "Ealing"')
    assert "no evidence yet" in needs and "--evidence" in needs
    reply = app.reply(f'duty done {agree} --board "Ealing" --evidence https://example.org/minutes')
    assert reply.startswith(f"Done: *{agree}* Agreed: Ealing HWBB is invited.")
    assert "Issue Ealing HWBB a standing invitation" in reply
    listing = app.reply("duties")
    assert "Issue Ealing HWBB a standing invitation" in listing
    shown = app.reply(f"duty show {agree}")
    assert "What it is: National guidance" in shown
    assert "Source: NHS England letter, 18 Dec 2014, section B" in shown
