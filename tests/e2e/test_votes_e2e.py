"""A whole vote of 40 practices through signed Slack requests: commands and button clicks."""

import csv
import io
import json
import time

from bot.context import Actor
from bot.services import stakeholders
from bot.services import votes as svc

PRACTICES = 40


def seed_practices(app):
    """40 member practices, each linked to its GP (UGP1..UGP40); UGP40 also speaks for practice 39."""
    actor = Actor("T1", "UADMIN")
    for i in range(1, PRACTICES + 1):
        stakeholders.add_stakeholder(
            actor,
            "C1",
            "practice",
            f"Practice {i:02d}",
            app.services.new_uow(),
            code=f"E85{i:03d}",
            list_size=1000 * i,
        )
        stakeholders.link_stakeholder(actor, "C1", f"E85{i:03d}", f"UGP{i}", app.services.new_uow())
    stakeholders.link_stakeholder(actor, "C1", "E85039", "UGP40", app.services.new_uow())


def click(app, slack, user, action_id, value, n=[0]):  # noqa: B006 (a counter kept across calls)
    """A signed block_actions payload, as Slack sends for a button; returns the ephemeral answer."""
    n[0] += 1
    before = len(slack.sent("response"))
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "test"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "token": "unused",
        "trigger_id": f"t{n[0]}",
        "channel": {"id": "C1", "name": "consult"},
        "container": {
            "type": "message",
            "message_ts": "1.0",
            "channel_id": "C1",
            "is_ephemeral": False,
        },
        "message": {"type": "message", "ts": "1.0", "text": "vote"},
        "response_url": slack.response_url(f"b{n[0]}"),
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "vote_1",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }
    assert app.interact(payload).status == 200
    return slack.wait_for("response", before + 1)[-1]


def test_a_whole_vote_of_40_practices(running_app, slack):
    app = running_app
    app.command('setup "Hillingdon co-commissioning"')
    seed_practices(app)
    app.command("officer add <@UOFFICER>")
    # Only admins open a vote.
    assert "Only the programme's admins can open a vote" in app.reply(
        'vote open "Q?" --closes "in 10 days"', user="UGP1"
    )
    reply = app.reply(
        'vote open \u201cShall the CCG take on joint commissioning?\u201d --closes "in 10 days" '
        "--rule two-thirds --quorum 50% --weighted"
    )
    assert "Opened vote #1 for 40 member practices" in reply
    post = [p for p in slack.sent("chat.postMessage") if p.get("blocks")][-1]
    actions = next(b for b in post["blocks"] if b["type"] == "actions")["elements"]
    assert [(a["action_id"], a["value"]) for a in actions] == [
        ("vote_for", "1"),
        ("vote_against", "1"),
        ("vote_abstain", "1"),
    ]
    assert "Two-thirds majority, quorum 50%, weighted by list size" in json.dumps(post["blocks"])

    # Practices 1..30 vote with the buttons: 1-20 for, 21-27 against, 28-30 abstain.
    expected = {}
    for i in range(1, 31):
        choice = "for" if i <= 20 else "against" if i <= 27 else "abstain"
        answer = click(app, slack, f"UGP{i}", f"vote_{choice}", "1")
        assert answer["response_type"] == "ephemeral" and answer.get("replace_original") is False
        assert f"Practice {i:02d}" in answer["text"] and "Recorded" in answer["text"]
        expected[i] = choice
    # Practice 5 changes its mind; only the latest counts.
    answer = click(app, slack, "UGP5", "vote_against", "1")
    assert "Changed" in answer["text"] and "was For" in answer["text"]
    expected[5] = "against"
    # UGP40 speaks for two practices: they are asked which, then the choice replaces the question.
    answer = click(app, slack, "UGP40", "vote_for", "1")
    picks = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert sorted(p["text"]["text"] for p in picks) == [
        "Practice 39 (E85039)",
        "Practice 40 (E85040)",
    ]
    pick = next(p for p in picks if "E85040" in p["text"]["text"])
    answer = click(app, slack, "UGP40", pick["action_id"], pick["value"])
    assert answer["replace_original"] is True and "Practice 40" in answer["text"]
    expected[40] = "for"
    # Someone linked to no practice is told how to get linked; nothing is recorded.
    answer = click(app, slack, "USTRANGER", "vote_for", "1")
    assert "not linked" in answer["text"] and "stakeholder link" in answer["text"]
    # A returning officer records a paper ballot; others can't.
    assert "Only a returning officer" in app.reply("vote record E85031 for", user="UGP1")
    assert "Recorded" in app.reply("vote record E85031 for --method paper", user="UOFFICER")
    expected[31] = "for"
    # A vote with ballots takes no aggregate count.
    assert "never both" in app.reply(
        "vote tally set --for 1 --against 0 --abstain 0 --for-size 1 "
        "--against-size 0 --abstain-size 0",
        user="UOFFICER",
    )

    sizes = {i: 1000 * i for i in range(1, PRACTICES + 1)}
    want = {
        c: sum(sizes[i] for i, v in expected.items() if v == c)
        for c in ("for", "against", "abstain")
    }
    tally = app.reply("vote tally")
    counts = {c: sum(1 for v in expected.values() if v == c) for c in ("for", "against", "abstain")}
    assert (
        f"Practices: For {counts['for']} · Against {counts['against']} · Abstain {counts['abstain']} · "
        f"Not yet voted {PRACTICES - len(expected)}"
    ) in tally
    assert (
        f"List size: For {want['for']:,} · Against {want['against']:,} · Abstain {want['abstain']:,}"
        in tally
    )
    assert "Practice 32" in tally and "Practice 01" not in tally.split("Not yet voted (")[1]
    carried = 3 * want["for"] >= 2 * (want["for"] + want["against"])
    assert (
        "*If it closed now*: Carried" if carried else "*If it closed now*: Not carried"
    ) in tally

    # An admin closes it: the result goes to the channel once, with its figures and checksum.
    assert "Only the programme's admins can close" in app.reply("vote close", user="UOFFICER")
    # Closing ends it for good, so Slack asks first, with a button; nothing is closed yet.
    reply = app.reply("vote close")
    assert "Close vote #1" in reply and "ends the vote for good" in reply
    asked = slack.sent("response")[-1]["blocks"]
    (button,) = [e for b in asked if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Close vote #1 now"
    assert not [p for p in slack.sent("chat.postMessage") if "has closed" in p.get("text", "")]
    with app.services.new_uow() as uow:
        assert uow.votes.by_id(1).state == "open"
    reply = click(app, slack, "UADMIN", button["action_id"], button["value"])["text"]
    assert "Closed vote #1" in reply
    result = [p for p in slack.sent("chat.postMessage") if "has closed" in p.get("text", "")]
    assert len(result) == 1 and ("CARRIED" if carried else "NOT CARRIED") in result[0]["text"]
    assert result[0]["metadata"]["event_payload"]["key"] == "vote:1:result"
    # The vote message loses its buttons and shows the outcome.
    opened = next(
        p for p in slack.sent("chat.postMessage") if p.get("text", "").startswith("Vote #1 is open")
    )
    (update,) = slack.sent("chat.update")
    assert update["channel"] == "C1" and update["ts"] and "(closed)" in json.dumps(update["blocks"])
    assert all(b["type"] != "actions" for b in update["blocks"]) and any(
        b["type"] == "actions" for b in opened["blocks"]
    )
    # Late clicks and recordings are refused clearly.
    answer = click(app, slack, "UGP35", "vote_for", "1")
    assert "closed" in answer["text"] and "nothing was recorded" in answer["text"]
    assert "no open vote" in app.reply("vote record E85036 for", user="UOFFICER")
    assert "closed" in app.reply("vote close --vote 1")

    # The ballots export reproduces the result's checksum.
    app.command("export ballots --vote 1", user="UOFFICER")
    with app.services.new_uow() as uow:
        vote = uow.votes.by_id(1)
    assert vote.checksum in result[0]["text"]
    name, data, comment = svc.ballots_csv(Actor("T1", "UOFFICER"), "C1", app.services.new_uow(), 1)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == PRACTICES and svc.checksum_of_export(rows) == vote.checksum
    assert "Sent you ballots-vote-1.csv" in slack.sent("response")[-1]["text"]
    assert slack.sent("files.completeUploadExternal")


def test_vote_commands_explain_bad_input(sqlite_app, slack):
    app = sqlite_app
    assert "no programme yet" in app.reply("vote tally")
    app.command('setup "P"')
    assert "Usage" in app.reply("vote") and "vote open" in app.reply("vote")
    assert "Did you mean `open`" in app.reply('vote opne "Q?" --closes tomorrow')
    assert "--closes <date>" in app.reply('vote open "Q?"')
    assert "can't read 'someday' as a date" in app.reply('vote open "Q?" --closes someday')
    assert "not a rule" in app.reply('vote open "Q?" --closes tomorrow --rule most')
    assert "no member practices" in app.reply('vote open "Q?" --closes tomorrow')
    assert "no open vote" in app.reply("vote tally")
    assert "no votes yet" in app.reply("vote list")
    stakeholders.add_stakeholder(
        Actor("T1", "UADMIN"), "C1", "practice", "Acorn", app.services.new_uow(), code="E1"
    )
    app.command('vote open "First?" --closes "in 5 days"')
    app.command('vote open "Second?" --closes "in 6 days"')
    text = app.reply("vote tally")
    assert "2 open votes" in text and "#1" in text and "#2" in text and "--vote" in text
    assert "Second?" in app.reply("vote tally --vote 2")
    assert "no vote #9" in app.reply("vote tally --vote 9")
    assert "not a choice" in app.reply("vote record E1 maybe --vote 1")
    # Typed instead of clicked (the local shell has no buttons).
    assert "not linked" in app.reply("vote cast for --vote 2", user="UX")
    stakeholders.add_stakeholder(
        Actor("T1", "UADMIN"), "C1", "practice", "Birch", app.services.new_uow(), code="E2"
    )
    for code in ("E1", "E2"):
        stakeholders.link_stakeholder(
            Actor("T1", "UADMIN"), "C1", code, "UGP", app.services.new_uow()
        )
    # Birch joined after the vote opened, so UGP speaks for one practice of its electorate.
    assert "Recorded: *Acorn* (E1) votes *For*" in app.reply("vote cast for --vote 2", user="UGP")
    assert "Changed: *Acorn* (E1) now votes *Against*" in app.reply(
        "vote cast against --vote 2 --practice E1", user="UGP"
    )
    assert "not one you speak for" in app.reply("vote cast for --vote 2 --practice E2", user="UGP")
    app.command(
        'vote open "Third?" --closes "in 7 days"'
    )  # Birch is in this one: UGP must say which
    assert "several practices" in app.reply("vote cast for --vote 3", user="UGP")
    assert "Give all three counts" in app.reply("vote tally set --for 1 --vote 1")
    assert "electorate is 1" in app.reply("vote tally set --for 1 --against 1 --abstain 0 --vote 1")
    assert "Recorded the aggregate count" in app.reply(
        "vote tally set --for 1 --against 0 --abstain 0 --vote 1"
    )
    assert "#1 First?" in app.reply("vote list")
