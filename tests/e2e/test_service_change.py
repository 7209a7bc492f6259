"""An Integrated Care Board's service change consultation (the `service-change` template),
through signed requests with the Slack stand-in: templates listed with their sources, set-up
from a decision date, its stakeholder types, duties by kind with sources, the Gunning
checklist with its spans, no member vote, and bad input refused without a change."""

from storage.models import Deadline, Duty, Programme

SETUP = 'setup "North ICB stroke services" --template service-change --decision 4 March 2031'


def _rows(app, model):
    with app.services.new_uow() as uow:
        return list(uow.session.query(model).order_by(model.id))


def test_templates_lists_each_with_what_it_is_for_and_its_sources(sqlite_app):
    listing = sqlite_app.reply("templates")
    assert "*co-commissioning*: Primary care co-commissioning" in listing
    assert "*service-change*: NHS service change consultation (Integrated Care Board)" in listing
    assert "For an Integrated Care Board's engagement team" in listing
    assert "`hosc`, `vcse`" in listing
    assert "Member vote: none: an Integrated Care Board is not a membership body" in listing
    assert "https://hertsandwestessex.icb.nhs.uk/us/constitution/9" in listing
    full = sqlite_app.reply("templates service-change")
    assert "co-commissioning" not in full.split("Set up:")[0]
    assert "https://www.legislation.gov.uk:443/ukpga/2006/41/schedule/10A" in full
    assert "…and" not in full  # every source, not the first few
    assert "What no source found sets:" in full
    assert "A statutory minimum length for the public consultation" in full
    assert "There is no template called 'service-chang'" in sqlite_app.reply(
        "templates service-chang"
    )
    # Only the template files: a path is not a template's name, even to a JSON file that exists.
    for name in ("../programme_templates/service-change", "/etc/../" + "x"):
        assert "There is no template called" in sqlite_app.reply(f'templates "{name}"')
        assert "There is no template called" in sqlite_app.reply(
            f'setup "P" --template "{name}" --decision 4/3/2031'
        )


def test_setup_places_the_key_dates_back_from_the_decision(sqlite_app, slack):
    app = sqlite_app
    assert "Done: *North ICB stroke services* is set up here." in app.reply(SETUP)
    post = slack.wait_for("chat.postMessage")[-1]["text"]
    assert "Key dates, placed back from the decision date you gave: *provisional*" in post
    assert "Tue 4 Mar 2031: Decision by the ICB board" in post
    assert "(provisional: date to confirm)_: Public consultation opens" in post
    assert "The programme's choice: 52 weeks before the decision. No source sets this date." in post
    assert "`hosc`, `vcse`, `healthwatch`" in post
    deadlines = {d.template_key: d for d in _rows(app, Deadline)}
    assert list(deadlines)[0] == "pre-consultation" and list(deadlines)[-1] == "evaluation"
    assert not deadlines["decision"].provisional
    assert all(d.provisional for k, d in deadlines.items() if k != "decision")
    opens, closes = deadlines["consultation-opens"], deadlines["consultation-closes"]
    assert (closes.due_on - opens.due_on).days == 84  # 12 weeks, the programme's choice
    assert deadlines["pre-consultation"].due_on < opens.due_on < deadlines["decision"].due_on
    [programme] = _rows(app, Programme)
    assert programme.template == "service-change" and programme.year is None


def test_duties_carry_their_kind_and_sources_and_no_co_commissioning(sqlite_app):
    app = sqlite_app
    app.command(SETUP)
    duties = {d.key: d for d in _rows(app, Duty)}
    assert duties["involve-applies"].kind == "statutory"
    assert duties["involve-applies"].statute == "NHS Act 2006 s14Z45(2)"
    assert "hertsandwestessex.icb.nhs.uk/us/constitution/9" in duties["involve-applies"].source
    assert duties["notify-secretary-of-state"].statute == "NHS Act 2006 Sch 10A para 2"
    assert duties["constitution-principles"].kind == "constitution"
    assert duties["public-consultation"].kind == "case-law"
    assert duties["call-in"].due_on is None  # only a direction starts its 6 months
    assert "6 months from the direction" in duties["call-in"].title
    assert not any(k.startswith(("hwbb", "eoi", "member")) for k in duties)
    listing = app.reply("duties")
    for heading in ("*Statutory duties*", "*Case law*", "*National guidance*"):
        assert heading in listing
    assert "*ICB constitution*" in listing and "CCG" not in listing
    assert "*Local decisions*" in listing
    shown = app.reply(f"duty show {duties['equality-inequalities'].id}")
    assert "What it is: Statutory: Equality Act 2010 s149; NHS Act 2006 s14Z35" in shown


def test_the_gunning_principles_are_a_checklist_with_the_length_against_the_advice(sqlite_app):
    app = sqlite_app
    app.command(SETUP)
    gunning = app.reply("duties gunning")
    assert "The Gunning principles" in gunning and "4 open" in gunning
    for title in ("1. Formative stage", "2. Enough information", "3. Adequate time"):
        assert title in gunning
    assert "4. Conscientious consideration" in gunning
    assert "The length chosen: 12 weeks (Tue 24 Sep 2030 to Tue 17 Dec 2030)" in gunning
    assert "From the consultation's close to the decision: 11 weeks" in gunning
    assert "Advice on length (advice, not law)" in gunning
    assert "lawyers advise caution below 3 months" in gunning
    # Moving the close moves the length shown: it is read from the key dates as they stand.
    closes = next(d for d in _rows(app, Deadline) if d.template_key == "consultation-closes")
    app.reply(f"deadline move {closes.id} 31 December 2030")
    assert "The length chosen: 14 weeks (Tue 24 Sep 2030 to Tue 31 Dec 2030)" in app.reply(
        "duties checklist"
    )


def test_no_member_vote_and_the_vote_commands_say_so(sqlite_app, slack):
    app = sqlite_app
    app.command(SETUP)
    app.command('stakeholder add hosc "North County Council Health Scrutiny Committee"')
    for command in ('vote open "Close the unit?" --closes 1/3/2031', "vote tally", "vote close"):
        reply = app.reply(command)
        assert "runs under the service-change template, which has no member vote" in reply
        assert "not a membership body" in reply
    with app.services.new_uow() as uow:
        from storage.models import Vote

        assert uow.session.query(Vote).count() == 0


def test_bad_set_up_is_refused_and_changes_nothing(sqlite_app):
    app = sqlite_app
    for bad, says in [
        (
            'setup "North" --template service-change',
            "places its dates back from the decision: give the date",
        ),
        (
            'setup "North" --template service-change --year 2030',
            "give `--decision &lt;date>` instead of `--year`",
        ),
        (
            'setup "North" --template co-commissioning --decision 4/3/2031',
            "`--decision` goes with a template dated from the decision: `--template service-change`",
        ),
        ('setup "North" --template service-change --decision someday', "date"),
        (
            'setup "North" --template service-change --decision 4/3/2022',
            "is before Integrated Care Boards took over on 1 July 2022",
        ),
        (
            'setup "North" --template service-change --decision 4/3/9999',
            "is more than 10 years away",
        ),
        ('setup "North" --template service-change --model joint', "`--model` goes with"),
    ]:
        assert says in app.reply(bad), bad
    assert _rows(app, Programme) == []


def test_hosc_and_vcse_are_stakeholder_types(sqlite_app):
    app = sqlite_app
    app.command(SETUP)
    assert "health overview and scrutiny committees" in app.reply(
        'stakeholder add hosc "North County Council HOSC"'
    )
    assert "voluntary, community and social enterprise" in app.reply(
        'stakeholder add vcse "North Stroke Association"'
    )
    assert "North Stroke Association" in app.reply("stakeholder list vcse")


def test_home_tab_and_calendar_feed_show_the_programme(sqlite_app, slack):
    import json

    from tests.unit.test_calendar_feed import parse_three

    from .test_calendar_http import subscribe

    app = sqlite_app
    app.command(SETUP)
    app.command('stakeholder add hosc "North County Council HOSC"')
    app.command('engage HOSC meeting "Early briefing on the options" --date 2/12/2026')
    assert (
        app.event(
            {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"}
        ).status
        == 200
    )
    view = slack.wait_for("views.publish")[-1]["view"]
    home = json.dumps(view if isinstance(view, dict) else json.loads(view))
    assert "North ICB stroke services" in home and "scrutiny" in home.lower()
    _url, _webcal, path = subscribe(app)
    feed = app.get(path).text
    summaries = [e["summary"] for e in parse_three(feed.encode()).values()]
    assert any("Public consultation closes" in s for s in summaries)
    assert any("Decision by the ICB board" in s for s in summaries)
    assert "STATUS:TENTATIVE" in feed  # the provisional dates


def test_a_decision_soon_says_which_key_dates_are_already_past(sqlite_app, slack):
    app = sqlite_app
    app.command('setup "North ICB urgent care" --template service-change --decision in 10 weeks')
    post = slack.wait_for("chat.postMessage")[-1]["text"]
    # 52, 44, 30, 24, 23 and 11 weeks before a decision 10 weeks away: six dates already past.
    assert "6 of these dates have passed already (the first: Pre-consultation engagement" in post
    assert "shown as passed before the programme began, not as overdue" in post
    assert "Mark what is done (`/consult deadline done <id>`) and move the rest" in post
    assert "--year" not in post.split("passed already", 1)[1]


def test_from_slack_engagement_issues_duties_with_evidence_and_the_pack(sqlite_app, slack):
    app = sqlite_app
    app.command(SETUP)
    app.command('stakeholder add hosc "North County Council HOSC"')
    app.command('stakeholder add vcse "North Stroke Association"')
    app.command('issue add "Travel times"')
    assert "Logged engagement #1" in app.reply(
        'engage HOSC meeting "Early briefing on the options" --date 2/12/2026'
    )
    assert "Issues: *Travel times*" in app.reply(
        'engage Association event "Survivors on #travel-times" --date 3/12/2026 --position oppose'
    )
    assert "plan changed" in app.reply(
        'issue respond 1 "A shuttle bus added to the preferred option" --state plan-changed'
    )
    duties = {d.key: d for d in _rows(app, Duty)}
    early = duties["scrutiny-early-contact"].id
    assert f"Done: *{early}*" in app.reply(f"duty done {early} --evidence 1")
    shown = app.reply(f"duty show {early}")
    assert "From the log: Health overview and scrutiny committees engaged: 1 of 1" in shown
    assert "engagement 1: Wed 2 Dec 2026, meeting: Early briefing on the options" in shown
    gunning2 = duties["gunning-2"].id
    assert "1 piece of evidence" in app.reply(
        f"duty done {gunning2} --evidence https://example.org/north/consultation.pdf"
    )
    assert "sent you the evidence pack" in app.reply("evidence")
    [done] = slack.sent("files.completeUploadExternal")
    assert done["channel_id"] == "DUADMIN"
    [upload] = [u for u in slack.uploads.values() if u["complete"]]
    html = upload["content"].decode("utf-8")
    assert "with what the ICB did about each" in html
    assert "A shuttle bus added to the preferred option" in html
    assert "https://example.org/north/consultation.pdf" in html
    assert "Member vote" not in html and "member practices" not in html.lower()


def test_moving_the_decision_moves_the_key_dates_still_to_confirm(sqlite_app, slack):
    app = sqlite_app
    app.command(SETUP)
    keys = {d.template_key: d for d in _rows(app, Deadline)}
    app.command(f"deadline confirm {keys['stage-1'].id}")
    reply = app.reply(f"deadline move {keys['decision'].id} 1/4/2031")  # 4 weeks later
    assert "key dates placed from it moved with it" in reply
    post = slack.wait_for("chat.postMessage")[-1]["text"]
    assert "Public consultation closes: Tue 17 Dec 2030 → Tue 14 Jan 2031" in post
    after = {d.template_key: d for d in _rows(app, Deadline)}
    assert after["decision"].due_on.isoformat() == "2031-04-01"
    assert after["consultation-closes"].due_on.isoformat() == "2031-01-14"
    assert after["consultation-closes"].provisional  # still the programme's choice
    # The date confirmed by hand stays where it was.
    assert after["stage-1"].due_on == keys["stage-1"].due_on and not after["stage-1"].provisional
    duties = {d.key: d for d in _rows(app, Duty)}
    assert duties["public-consultation"].due_on.isoformat() == "2031-01-14"
    assert "The length chosen: 12 weeks (Tue 22 Oct 2030 to Tue 14 Jan 2031)" in app.reply(
        "duties gunning"
    )
