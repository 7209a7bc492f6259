"""The stakeholder map (`/consult stakeholder rate|map`), the "manage closely" stakeholders named
first in coverage and the digest, and who did not respond, in the evidence pack and
`/consult export not-heard`: through signed Slack requests."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from storage.models import AuditEvent, Stakeholder


def setup(app):
    app.command('setup "Harrow CCG"')
    app.command('stakeholder add practice "Acorn Surgery" --code E1 --list-size 8000')
    app.command('stakeholder add practice "Beacon Practice" --code E2 --list-size 2000')
    app.command('stakeholder add practice "Cedar Practice" --code E3 --list-size 3000')
    app.command('stakeholder add lmc "Harrow LMC" --code LMC1')
    app.command('stakeholder add healthwatch "Healthwatch Harrow" --code HW1')
    app.command('engage E1 meeting "Supportive" --position support')
    app.command('engage HW1 call "Worried about access" --position oppose')


def ratings(app) -> dict[str, tuple]:
    with app.services.new_uow() as uow:
        return {s.code: (s.influence, s.interest) for s in uow.session.scalars(select(Stakeholder))}


def test_rate_records_audits_and_refuses_bad_input(sqlite_app, slack):
    app = sqlite_app
    setup(app)
    reply = app.reply("stakeholder rate LMC1 --influence 5 --interest 4")
    assert "Rated *Harrow LMC*: influence 5, interest 4: *manage closely*" in reply
    reply = app.reply('stakeholder rate "Healthwatch Harrow" --influence 2 --interest 5')
    assert "*keep informed*" in reply
    reply = app.reply("stakeholder rate HW1 --influence 4 --interest 2")
    assert "*keep satisfied* (it was influence 2, interest 5: *keep informed*)" in reply
    assert ratings(app)["HW1"] == (4, 2) and ratings(app)["LMC1"] == (5, 4)
    with app.services.new_uow() as uow:
        trail = uow.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "stakeholder.rate")
            .order_by(AuditEvent.id)
        ).all()
    assert len(trail) == 3
    assert json.loads(trail[-1].before) == {"influence": 2, "interest": 5}
    assert json.loads(trail[-1].after) == {"influence": 4, "interest": 2}

    before = ratings(app)
    for bad, says in [
        ("stakeholder rate HW1 --influence 6 --interest 2", "must be from 1 to 5"),
        ("stakeholder rate HW1 --influence 0 --interest 2", "must be from 1 to 5"),
        ("stakeholder rate HW1 --influence high --interest 2", "`--influence`"),
        ("stakeholder rate HW1 --influence 3", "Give both ratings"),
        ("stakeholder rate --influence 3 --interest 3", "Say which stakeholder"),
        ("stakeholder rate Nowhere --influence 3 --interest 3", "No stakeholder matches"),
        ("stakeholder rate HW1 --influence 3 --interest 3 --power 2", "--power"),
    ]:
        assert says in app.reply(bad), bad
    refused = app.reply("stakeholder rate HW1 --influence 1 --interest 1", user="UJANE")
    assert "Only the programme's admins" in refused
    assert ratings(app) == before
    assert "On the map: influence 4, interest 2: *keep satisfied*" in app.reply(
        "stakeholder show HW1"
    )


def test_map_shows_the_quadrants_positions_and_the_quiet_ones_first(sqlite_app, slack):
    app = sqlite_app
    setup(app)
    assert "*Manage closely* (0)" in app.reply("stakeholder map")  # nobody rated yet
    app.command("stakeholder rate LMC1 --influence 5 --interest 5")
    app.command("stakeholder rate E1 --influence 4 --interest 4")
    app.command("stakeholder rate HW1 --influence 2 --interest 5")
    app.command("stakeholder rate E2 --influence 1 --interest 1")
    text = app.reply("stakeholder map")
    quiet = text.index("Manage closely, not heard from within 30 days*: Harrow LMC")
    closely = text.index("*Manage closely* (2)")
    assert quiet < closely
    assert "Acorn Surgery" not in text[quiet:closely]  # engaged this month: not quiet
    assert text.index("Harrow LMC (LMC1): no position; 5/5; never engaged") < text.index(
        "Acorn Surgery (E1): support; 4/4"
    )
    assert "*Keep satisfied* (0)" in text and "• nobody" in text
    assert "*Keep informed* (1)" in text and "Healthwatch Harrow (HW1): oppose; 2/5" in text
    assert "*Monitor* (1)" in text and "Beacon Practice (E2): no position; 1/1" in text
    assert "*Not rated* (1): Cedar Practice" in text
    assert "takes only `--chart`" in app.reply("stakeholder map everything")

    # Coverage and the digest name the quiet "manage closely" stakeholder before anything else.
    coverage = app.reply("coverage")
    first = coverage.index("*Manage closely, not heard from within 30 days* (1")
    assert first < coverage.index("*Member practices*")
    assert "Harrow LMC (LMC1): never" in coverage[first : coverage.index("*Member practices*")]
    app.command("digest now")
    digest = json.dumps(slack.sent("response")[-1], ensure_ascii=False)
    assert (
        "*Manage closely* on the stakeholder map, not heard from: Harrow LMC (LMC1) (never engaged)"
        in digest
    )
    # Heard from: no longer named.
    app.command('engage LMC1 meeting "Talked it through"')
    assert "Manage closely, not heard" not in app.reply("coverage")
    assert "Manage closely, not heard" not in app.reply("stakeholder map")


def test_map_chart_is_a_picture_with_alt_text_or_text_bars(sqlite_app, slack):
    app = sqlite_app
    setup(app)
    app.command("stakeholder rate LMC1 --influence 5 --interest 5")
    app.command("stakeholder rate HW1 --influence 2 --interest 5")
    app.command("stakeholder map --chart")
    reply = slack.sent("response")[-1]
    (image,) = [b for b in reply["blocks"] if b["type"] == "image"]
    assert image["alt_text"].startswith(
        "Stakeholder map of Harrow CCG: 2 stakeholders rated by influence and interest"
    )
    assert "manage closely 1: Harrow LMC (no position)" in image["alt_text"]
    assert "keep informed 1: Healthwatch Harrow (oppose)" in image["alt_text"]
    assert "3 stakeholders not rated" in image["alt_text"]
    assert slack.uploads[image["slack_file"]["id"]]["content"].startswith(b"\x89PNG")
    assert "*Keep informed* (1)" in json.dumps(reply["blocks"])  # the text follows

    slack.fail("files.getUploadURLExternal", 10, 400)
    app.command("stakeholder rate E1 --influence 3 --interest 3")  # new figures, a new picture
    app.command("stakeholder map --chart")
    reply = slack.sent("response")[-1]
    assert not [b for b in reply["blocks"] if b["type"] == "image"]
    assert "manage closely: 2" in json.dumps(reply["blocks"], ensure_ascii=False)


def _not_heard_csv(app, slack) -> list[dict]:
    reply = app.reply("export not-heard")
    assert "not-heard.csv" in reply
    (upload,) = [u for u in slack.uploads.values() if u["filename"].endswith("not-heard.csv")]
    return list(csv.DictReader(io.StringIO(upload["content"].decode("utf-8-sig"))))


def test_pack_and_export_list_who_did_not_respond_and_the_ratings(sqlite_app, slack, tmp_path):
    from bot.services.evidence import build_pack_html

    app = sqlite_app
    setup(app)
    app.command("stakeholder link E1 <@UGP1>")
    app.command("stakeholder link E2 <@UGP2>")
    app.command("stakeholder rate E1 --influence 5 --interest 4")
    assert "Opened vote #1" in app.reply('vote open "Support the plan?" --closes "in 10 days"')
    app.command("vote cast for", user="UGP1")
    app.command("vote close --yes")
    assert "Opened vote #2" in app.reply('vote open "And the budget?" --closes "in 10 days"')
    app.command("vote tally set --for 2 --against 1 --abstain 0")
    app.command("vote close --yes")

    with app.services.new_uow() as uow:
        programme_id = uow.programmes.by_channel("T1", "C1").id
    _, html = build_pack_html(app.services.new_uow(), programme_id)
    section = html[html.index('<section id="not-heard"') :]
    vote1 = section[section.index("Vote 1: Support the plan?") : section.index("Vote 2:")]
    assert "2 of 3 eligible practices did not vote" in vote1
    assert "Beacon Practice" in vote1 and "Cedar Practice" in vote1 and "Acorn" not in vote1
    vote2 = section[section.index("Vote 2:") : section.index("Stakeholders not engaged")]
    assert "who voted was not recorded" in vote2
    never = section[section.index("Stakeholders not engaged") :]
    assert "Member practices (2)" in never and "Local Medical Committee (1)" in never
    assert "Harrow LMC" in never and "Healthwatch Harrow" not in never
    ratings_section = html[html.index('<section id="map"') : html.index('<section id="not-heard"')]
    assert "Acorn Surgery (E1)" in ratings_section and "Manage closely" in ratings_section
    assert 'aria-label="Stakeholder map of Harrow CCG: 1 stakeholder rated' in ratings_section

    rows = _not_heard_csv(app, slack)
    did_not_vote = [(r["vote"], r["code"]) for r in rows if r["what"] == "did not vote"]
    assert did_not_vote == [("1", "E2"), ("1", "E3")]
    never_engaged = {r["code"] for r in rows if r["what"] == "not engaged"}
    assert never_engaged == {"E2", "E3", "LMC1"}
    assert "takes nothing more" in app.reply("export not-heard please")


def test_the_demo_has_a_map_to_look_at(services):
    from bot.context import Actor
    from bot.services.demo import load_demo
    from bot.services.stakeholders import stakeholder_map

    load_demo(services.new_uow(), "T1", "C1", "UADMIN")
    load_demo(services.new_uow(), "T1", "C1", "UADMIN")  # again: nothing changes
    m = stakeholder_map(Actor("T1", "UADMIN"), "C1", services.new_uow())
    assert all(m.quadrants.values()), {k: len(v) for k, v in m.quadrants.items()}
    assert m.quiet() and m.unrated
    with services.new_uow() as uow:
        rated = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "stakeholder.rate")
        ).all()
    assert len(rated) == m.rated
