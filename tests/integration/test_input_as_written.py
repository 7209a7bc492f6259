"""Input as people write it (dates, names, files): command in, reply and stored state out."""

from datetime import date

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.context import Actor
from bot.services import stakeholders
from bot.services.programmes import setup_programme
from handlers.commands import CommandRequest, dispatch
from storage.models import (
    Action,
    Deadline,
    Engagement,
    EngagementStakeholder,
    RaisedIssue,
    Stakeholder,
    Vote,
)

ADMIN = Actor(team_id="T1", user_id="UADMIN", _is_workspace_admin=True)
NOW = "2026-12-06 10:00:00"  # a Sunday


class Replies:
    def __init__(self):
        self.replies: list[str] = []

    def reply(self, text, blocks=None):
        self.replies.append(text)

    def post(self, channel, text, blocks=None, **kwargs):
        return "1.0"


def run(services, text: str) -> str:
    out = Replies()
    dispatch(CommandRequest(ADMIN, "C1", text, services, out))
    return out.replies[-1]


def rows(services, model):
    with services.new_uow() as uow:
        return uow.session.query(model).order_by(model.id).all()


@pytest.fixture
def programme(services):
    with freeze_time(NOW):
        setup_programme(ADMIN, "C1", "Wallsend test", services.new_uow())
        for code, name, group in [
            ("A85001", "Priory Surgery", "Wallsend"),
            ("A85002", "Battle Hill Health Centre", "Wallsend"),
            ("A85003", "Wallsend Medical Group", "Wallsend"),
        ]:
            stakeholders.add_stakeholder(
                ADMIN,
                "C1",
                "practice",
                name,
                services.new_uow(),
                code=code,
                list_size=5000,
                group=group,
            )
    return services


# -- dates after an option, unquoted ---------------------------------------------


@freeze_time(NOW)
def test_a_date_after_an_option_is_the_words_up_to_the_next_option(programme):
    reply = run(programme, 'vote open "Second question" --closes 4 March 2027 --rule simple')
    assert "closes Thu 4 Mar 2027 17:00" in reply
    assert [v.question for v in rows(programme, Vote)] == ["Second question"]

    reply = run(programme, 'engage A85003 call "unquoted date" --date 2 Dec 2026')
    assert "on Wed 2 Dec 2026" in reply
    assert rows(programme, Engagement)[-1].occurred_on == date(2026, 12, 2)

    reply = run(programme, 'action add "Call Priory" --due 18 Dec 2026')
    assert "due Fri 18 Dec 2026" in reply
    assert rows(programme, Action)[-1].due_on == date(2026, 12, 18)


@freeze_time(NOW)
def test_a_word_after_a_date_option_that_is_not_part_of_the_date_stays_an_argument(programme):
    reply = run(programme, 'action add --due next friday "Call Priory"')
    assert "due Fri 11 Dec 2026: Call Priory" in reply


@freeze_time(NOW)
def test_a_date_that_cannot_be_read_is_blamed_not_the_summary(programme):
    reply = run(programme, 'engage A85003 call "unquoted date" --date 2 Dex 2026')
    assert "I can't read '2 Dex 2026' as a date" in reply
    assert "summary" not in reply.split("\n")[0]
    assert rows(programme, Engagement) == []


# -- past dates as people say them ------------------------------------------------


@pytest.mark.parametrize(
    "written,day",
    [
        ("yesterday", date(2026, 12, 5)),
        ("last Tuesday", date(2026, 12, 1)),
        ("last tues", date(2026, 12, 1)),
        ("3 days ago", date(2026, 12, 3)),
        ("2 weeks ago", date(2026, 11, 22)),
        ("a week ago", date(2026, 11, 29)),
        ("a month ago", date(2026, 11, 6)),
        ("today", date(2026, 12, 6)),
        ("Tuesday 1st December", date(2026, 12, 1)),
        ("20 December", date(2025, 12, 20)),  # not yet this year: last year's
        ("Fri 20 November 2026", date(2026, 11, 20)),
        ("November 20, 2026", date(2026, 11, 20)),
        ("2026-11-20", date(2026, 11, 20)),
        ("20/11/2026", date(2026, 11, 20)),
        ("20.11.26", date(2026, 11, 20)),
    ],
)
@freeze_time(NOW)
def test_an_engagement_on_a_day_written_as_people_say_it(programme, written, day):
    reply = run(programme, f'engage A85003 call "Spoke to the manager" --date {written}')
    assert reply.startswith("Logged engagement"), reply
    assert rows(programme, Engagement)[-1].occurred_on == day


@freeze_time(NOW)
def test_a_weekday_that_disagrees_with_the_date_is_refused(programme):
    reply = run(programme, 'engage A85003 call "x" --date Friday 15th January 2026')
    assert "15 Jan 2026 is a Thursday, not a Friday" in reply
    assert rows(programme, Engagement) == []


@freeze_time(NOW)
def test_a_weekday_without_a_year_picks_the_nearest_year_and_says_so(programme):
    reply = run(programme, 'deadline add "Board papers" Friday 15th January')
    assert "15 January is a Friday in 2027" in reply
    assert rows(programme, Deadline)[-1].due_on == date(2027, 1, 15)


@pytest.mark.parametrize(
    "written,day",
    [
        ("tomorrow", date(2026, 12, 7)),
        ("next friday", date(2026, 12, 11)),
        ("friday", date(2026, 12, 11)),
        ("in 10 days", date(2026, 12, 16)),
        ("in 2 weeks", date(2026, 12, 20)),
        ("in a week", date(2026, 12, 13)),
        ("in 3 working days", date(2026, 12, 9)),
        ("in 2 months", date(2027, 2, 6)),
        ("4 March 2027", date(2027, 3, 4)),
        ("4 Mar 2027", date(2027, 3, 4)),
        ("4th March 2027", date(2027, 3, 4)),
        ("4/3/2027", date(2027, 3, 4)),
        ("04/03/2027", date(2027, 3, 4)),
        ("4-3-2027", date(2027, 3, 4)),
        ("4/3/27", date(2027, 3, 4)),
        ("Thu 4 March 2027", date(2027, 3, 4)),
        ("28 December", date(2026, 12, 28)),
    ],
)
@freeze_time(NOW)
def test_a_due_date_written_as_people_write_it(programme, written, day):
    reply = run(programme, f'action add "Call Priory" --due {written}')
    assert reply.startswith("Added action"), reply
    assert rows(programme, Action)[-1].due_on == day


# -- dates within the programme's span -----------------------------------------------


@freeze_time(NOW)
def test_an_engagement_before_the_programmes_span_is_refused_with_the_span(programme):
    reply = run(programme, 'engage A85003 call "x" --date 31/12/1999')
    assert "Fri 31 Dec 1999 is before this programme's dates begin" in reply
    assert "from Wed 1 Jan 2025 (the year before it was set up)" in reply
    assert rows(programme, Engagement) == []
    # The day the span begins is in it.
    assert run(programme, 'engage A85003 call "x" --date 1/1/2025').startswith("Logged")


@freeze_time(NOW)
def test_a_weekday_whose_nearest_past_year_is_before_the_span_is_refused(programme):
    reply = run(programme, 'engage A85003 call "x" --date Friday 15th January')
    assert "Fri 15 Jan 2021 is before this programme's dates begin" in reply
    assert rows(programme, Engagement) == []


@freeze_time(NOW)
def test_dates_centuries_away_are_refused_with_the_span(programme):
    reply = run(programme, 'deadline add "far" 1/1/2999')
    assert "Tue 1 Jan 2999 is too far ahead: a deadline can be dated up to Wed 31 Dec 2031" in reply
    assert rows(programme, Deadline) == []
    reply = run(programme, 'action add "Call Priory" --due 1/1/2999')
    assert "too far ahead: an action can be dated up to Wed 31 Dec 2031" in reply
    reply = run(programme, 'vote open "Q" --closes 1 Jan 2999')
    assert "too far ahead: a vote's close can be dated up to" in reply
    reply = run(programme, 'engage A85003 call "x" --action "Ring back" --due 1/1/2999')
    assert "too far ahead: an action can be dated up to" in reply
    assert rows(programme, Action) == [] and rows(programme, Vote) == []
    assert rows(programme, Engagement) == []
    assert run(programme, 'deadline add "near" 31/12/2031').startswith("Added deadline")


@freeze_time(NOW)
def test_a_template_programmes_span_begins_with_its_cycle(services):
    setup_programme(
        ADMIN, "C1", "Cycle", services.new_uow(), template="co-commissioning", year=2026
    )
    stakeholders.add_stakeholder(ADMIN, "C1", "practice", "Priory", services.new_uow(), code="A1")
    reply = run(services, 'engage A1 call "x" --date 31/12/2025')
    assert "from Thu 1 Jan 2026 (the start of its 2026 cycle)" in reply
    assert run(services, 'engage A1 call "x" --date 2/1/2026').startswith("Logged")


@freeze_time(NOW)
def test_a_response_is_not_dated_before_the_issue_was_first_raised(programme):
    run(programme, 'issue add "parking"')
    reply = run(programme, 'engage A85003 call "Worried" --issue parking --date 1 Dec 2026')
    assert reply.startswith("Logged"), reply
    with programme.new_uow() as uow:
        issue = uow.session.query(RaisedIssue).one()
    reply = run(
        programme, f'issue respond {issue.id} "More spaces" --state responded --date 30 Nov 2026'
    )
    assert "before issue" in reply and "Tue 1 Dec 2026" in reply, reply
    with programme.new_uow() as uow:
        assert uow.session.query(RaisedIssue).one().responded_on is None
    assert run(
        programme, f'issue respond {issue.id} "More spaces" --state responded --date 1 Dec 2026'
    ).startswith("Issue")


# -- practice imports: all or nothing, dry runs, corrections by hand kept ---------

HEADER = "code,name,list_size,group\n"


def cli(monkeypatch, capsys, services, *args) -> tuple[int, str, str]:
    from app import main

    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    code = main(["import-practices", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def practices(services) -> dict[str, tuple]:
    with services.new_uow() as uow:
        return {
            s.code: (s.name, s.list_size, s.group_name)
            for s in uow.session.query(Stakeholder).filter(Stakeholder.removed_at.is_(None))
        }


@pytest.fixture
def blank(any_services):
    """A programme with nothing in it, on SQLite and on PostgreSQL."""
    setup_programme(ADMIN, "C1", "Imp", any_services.new_uow())
    return any_services


def test_a_row_whose_fields_do_not_match_the_header_stores_nothing(
    blank, tmp_path, monkeypatch, capsys
):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + 'A85001,Priory Surgery,"5,200",Wallsend\n')
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "A85003,Wallsend Medical,4000,Wallsend\n"
        + "A85002,Battle Hill Health Centre,8,100,Wallsend\n"
    )
    code, out, err = cli(monkeypatch, capsys, blank, str(good), str(bad), "--programme", "Imp")
    assert code != 0
    assert "bad.csv:3: 5 fields, but the header has 4" in err
    assert "quotes" in err and "added" not in out
    assert practices(blank) == {}


def test_an_epraccur_row_without_the_published_27_fields_is_refused(
    blank, tmp_path, monkeypatch, capsys
):
    row = ["E85001", "ACORN SURGERY"] + [""] * 25
    row[12], row[14], row[25] = "A", "08G", "4"
    shifted = list(row)
    shifted[1:2] = ["ACORN", " SURGERY"]  # an unquoted comma in the name
    f = tmp_path / "epraccur.csv"
    f.write_text(",".join(row) + "\n" + ",".join(shifted) + "\n")
    code, _, err = cli(
        monkeypatch, capsys, blank, str(f), "--programme", "Imp", "--commissioner", "08G"
    )
    assert code != 0 and "epraccur.csv:2: 28 fields, but epraccur.csv has 27" in err
    assert practices(blank) == {}


def test_a_dry_run_shows_what_would_be_added_and_changed_and_stores_nothing(
    blank, tmp_path, monkeypatch, capsys
):
    f = tmp_path / "practices.csv"
    f.write_text(HEADER + 'A85001,Priory Surgery,"5,200",Wallsend\n')
    assert cli(monkeypatch, capsys, blank, str(f), "--programme", "Imp")[0] == 0
    f.write_text(
        HEADER + 'A85001,Priory Surgery,"5,300",Wallsend\nA85002,Battle Hill,"8,100",Wallsend\n'
    )
    code, out, _ = cli(monkeypatch, capsys, blank, str(f), "--programme", "Imp", "--dry-run")
    assert code == 0
    assert "Would import practices.csv: 1 added, 1 changed, 0 unchanged." in out
    assert "add A85002 Battle Hill, list size 8,100, group Wallsend" in out
    assert "change A85001 Priory Surgery: list size 5,200 → 5,300" in out
    assert "nothing was stored" in out
    assert practices(blank) == {"A85001": ("Priory Surgery", 5200, "Wallsend")}


def test_a_correction_by_hand_is_kept_by_the_next_import_unless_overwritten(
    blank, tmp_path, monkeypatch, capsys
):
    f = tmp_path / "practices.csv"
    f.write_text(HEADER + 'A85002,Battle Hill,"8,100",Wallsend\n')
    assert cli(monkeypatch, capsys, blank, str(f), "--programme", "Imp")[0] == 0
    reply = run(blank, "stakeholder edit A85002 --list-size 8150")
    assert "list size 8,150" in reply
    f.write_text(HEADER + 'A85002,Battle Hill Health Centre,"8,100",Wallsend\n')
    code, out, _ = cli(monkeypatch, capsys, blank, str(f), "--programme", "Imp")
    assert code == 0 and "1 changed" in out
    assert "Kept 1 value changed by hand" in out
    assert "A85002 Battle Hill Health Centre: list size 8,150 (the file has 8,100)" in out
    assert practices(blank) == {"A85002": ("Battle Hill Health Centre", 8150, "Wallsend")}
    # Still kept the time after, though that import changed the name.
    code, out, _ = cli(monkeypatch, capsys, blank, str(f), "--programme", "Imp")
    assert "list size 8,150 (the file has 8,100)" in out
    code, out, _ = cli(monkeypatch, capsys, blank, str(f), "--programme", "Imp", "--overwrite")
    assert code == 0 and "Kept" not in out
    assert practices(blank)["A85002"][1] == 8100


class SharedFiles(Replies):
    def __init__(self, files):
        super().__init__()
        self.files = files

    def fetch_files(self, channel, names):
        return self.files


def test_an_import_in_slack_is_all_or_nothing_and_has_a_dry_run(blank):
    def slack(text, content):
        out = SharedFiles([("practices.csv", content.encode())])
        dispatch(CommandRequest(ADMIN, "C1", text, blank, out))
        return out.replies[-1]

    bad = HEADER + "A85002,Battle Hill Health Centre,8,100,Wallsend\n"
    reply = slack("stakeholder import", bad)
    assert "Nothing was imported" in reply and "practices.csv:2: 5 fields" in reply
    good = HEADER + 'A85002,Battle Hill Health Centre,"8,100",Wallsend\n'
    reply = slack("stakeholder import --dry-run", good)
    assert "Would import practices.csv: 1 added" in reply and "nothing was stored" in reply
    assert practices(blank) == {}
    assert "1 added" in slack("stakeholder import", good)
    assert practices(blank) == {"A85002": ("Battle Hill Health Centre", 8100, "Wallsend")}


# -- a template for a programme set up without one ------------------------------


@freeze_time(NOW)
def test_a_programme_set_up_without_a_template_can_be_given_one(blank):
    reply = run(blank, "programme model joint")
    assert "set up without a template" in reply and "/consult programme template" in reply
    reply = run(blank, 'setup "Imp" --template co-commissioning')
    assert "already runs the programme" in reply and "/consult programme template" in reply
    reply = run(blank, "programme template co-commissioning --model joint")
    assert "now follows the co-commissioning template, with 4 key dates" in reply
    with blank.new_uow() as uow:
        p = uow.programmes.by_channel("T1", "C1")
        assert (p.template, p.year, p.model) == ("co-commissioning", 2026, "joint")
        keys = sorted(d.template_key for d in uow.deadlines.with_template_keys(p.id))
    assert len(keys) == 4
    # One template per programme; the model changes as for any templated programme.
    assert "already uses the template co-commissioning" in run(
        blank, "programme template co-commissioning"
    )
    assert run(blank, "programme model delegated").startswith("Done")


@freeze_time(NOW)
def test_a_template_for_another_cycle_and_bad_template_input(blank):
    assert "Did you mean `co-commissioning`?" in run(blank, "programme template co-comissioning")
    assert "must be from 2000 to 2100, not 2999" in run(
        blank, "programme template co-commissioning --year 2999"
    )
    assert "cycle year must be from 2000 to 2031" in run(
        blank, "programme template co-commissioning --year 2050"
    )
    with blank.new_uow() as uow:
        assert uow.programmes.by_channel("T1", "C1").template is None
    assert "2015/16 cycle" not in run(blank, "programme template co-commissioning --year 2015")
    with blank.new_uow() as uow:
        assert uow.programmes.by_channel("T1", "C1").year == 2015


def test_the_setup_hint_points_at_the_current_cycle_not_2014(services):
    reply = run(services, "deadlines")
    assert "2014" not in reply and "key dates in the current cycle" in reply
    assert "co-commissioning" in reply


# -- names: a group's or a type's, and commas in a list ----------------------------


@freeze_time(NOW)
def test_a_name_that_is_also_a_group_lists_both_meanings_and_logs_nothing(programme):
    reply = run(programme, 'engage Wallsend call "Spoke to them"')
    assert "'Wallsend' could mean more than one thing" in reply
    assert (
        '• the practice Wallsend Medical Group (A85003): `/consult engage A85003 call "Spoke to them"`'
        in reply
    )
    assert (
        '• the group Wallsend (3 stakeholders): `/consult engage call "Spoke to them" --group Wallsend`'
        in reply
    )
    assert rows(programme, Engagement) == []
    # Each listed command does what its line says.
    assert "with Wallsend Medical Group (A85003)" in run(
        programme, 'engage A85003 call "Spoke to them"'
    )


@freeze_time(NOW)
def test_a_type_names_its_only_stakeholder_or_asks(programme):
    stakeholders.add_stakeholder(
        ADMIN, "C1", "hwbb", "North Tyneside Health and Wellbeing Board", programme.new_uow()
    )
    reply = run(programme, 'engage hwbb meeting "Board paper"')
    assert "meeting with North Tyneside Health and Wellbeing Board" in reply
    # A name like the type's, of the type's only stakeholder, is that stakeholder.
    stakeholders.add_stakeholder(ADMIN, "C1", "lmc", "Northumberland LMC", programme.new_uow())
    assert "call with Northumberland LMC" in run(programme, 'engage lmc call "Rang"')
    reply = run(programme, 'engage practices meeting "All of them"')
    assert "No stakeholder is called 'practices'" in reply
    assert "every stakeholder of the type practice (3 stakeholders)" in reply
    assert len(rows(programme, Engagement)) == 2


@freeze_time(NOW)
def test_a_quoted_name_with_a_comma_is_one_item_of_a_list(programme):
    stakeholders.add_stakeholder(
        ADMIN, "C1", "practice", "Smith, Jones and Partners", programme.new_uow(), code="A85009"
    )
    for line in [
        'engage "Smith, Jones and Partners",A85001 call "x"',
        'engage A85001,"Smith, Jones and Partners" call "x"',
        'engage A85001, "Smith, Jones and Partners" call "x"',
    ]:
        reply = run(programme, line)
        assert reply.startswith("Logged"), reply
        assert "Smith, Jones and Partners (A85009)" in reply and "Priory Surgery" in reply
    with programme.new_uow() as uow:
        assert uow.session.query(EngagementStakeholder).count() == 6


# -- small things -------------------------------------------------------------------


@freeze_time(NOW)
def test_closing_a_vote_asks_first_and_yes_closes_it(programme):
    run(programme, 'vote open "Q" --closes 4 March 2027')
    reply = run(programme, "vote record A85001 for --method email")
    assert "from an email ballot" in reply
    reply = run(programme, "vote close")
    assert "Close vote #1 “Q” now? It ends the vote for good" in reply
    assert "`/consult vote close --vote 1 --yes`" in reply
    assert [v.state for v in rows(programme, Vote)] == ["open"]
    assert run(programme, "vote close --yes").startswith("Closed vote #1")
    assert [v.state for v in rows(programme, Vote)] == ["closed"]


@freeze_time(NOW)
def test_an_error_shows_the_usage_line_that_matters(programme):
    reply = run(programme, "vote close --bogus")
    assert "`--bogus` is not an option here" in reply
    assert "/consult vote close [--yes]" in reply
    assert "vote open" not in reply and "vote record" not in reply
    reply = run(programme, "stakeholder show")
    assert "stakeholder show <stakeholder>" in reply or "Say which stakeholder" in reply
    reply = run(programme, 'engage A85003 call "x" --position maybe')
    assert "/consult engage <stakeholder>" in reply and "kinds:" not in reply


def test_the_command_lines_programme_is_matched_as_in_slack(blank, monkeypatch, capsys):
    from app import main

    monkeypatch.setenv("DATABASE_URL", blank.settings.database_url)
    assert main(["export", "engagements", "--programme", "imp"]) == 0
    with pytest.raises(SystemExit) as e:
        main(["export", "engagements", "--programme", "Ipm"])
    assert "No programme is called 'Ipm'. Did you mean 'Imp'? Programmes:\n  Imp" in str(e.value)


def test_charts_out_makes_the_folder(blank, monkeypatch, capsys, tmp_path):
    from app import main

    monkeypatch.setenv("DATABASE_URL", blank.settings.database_url)
    out = tmp_path / "slides" / "charts"
    assert main(["charts", "--programme", "Imp", "--out", str(out), "--format", "svg"]) == 0
    assert sorted(p.suffix for p in out.iterdir()) and all(
        p.suffix == ".svg" for p in out.iterdir()
    )


# -- property: every written form, typed as a command, stores the day it means -----

WRITTEN_FORMS = [
    lambda d: f"{d:%Y-%m-%d}",
    lambda d: f"{d.day} {d:%B} {d.year}",
    lambda d: f"{d.day} {d:%b} {d.year}",
    lambda d: f"{d.day}th {d:%B} {d.year}" if d.day in (4, 5, 6, 7, 8, 9) else f"{d.day} {d:%B}",
    lambda d: f"{d:%B} {d.day}, {d.year}",
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: f"{d:%d/%m/%Y}",
    lambda d: f"{d.day}.{d.month}.{d.year}",
    lambda d: f"{d.day}-{d.month}-{d.year}",
    lambda d: f"{d.day}/{d.month}/{d.year % 100:02d}",
    lambda d: f"{d:%a} {d.day} {d:%B} {d.year}",
    lambda d: f"{d:%A} {d.day} {d:%b} {d.year}",
]
TODAY = date(2026, 12, 6)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dates(min_value=date(2025, 1, 1), max_value=TODAY),
    st.dates(min_value=TODAY, max_value=date(2031, 12, 31)),
    st.sampled_from(WRITTEN_FORMS),
    st.booleans(),
)
def test_a_date_in_any_written_form_is_stored_as_that_day(programme, past, future, form, quoted):
    def meant(day: date, text: str, happened: bool) -> date | None:
        """The day the text means: written without a year, this year's (or, for a day that
        has happened, the last one up to today)."""
        if not text.endswith(f"{day:%B}"):
            return day
        try:
            this_year = day.replace(year=TODAY.year)
        except ValueError:  # 29 February
            return None
        return (
            this_year.replace(year=TODAY.year - 1) if happened and this_year > TODAY else this_year
        )

    with freeze_time(NOW):
        text = form(past)
        typed = f'"{text}"' if quoted else text
        reply = run(programme, f'engage A85001 call "Rang" --date {typed} --position support')
        assert reply.startswith("Logged"), (text, reply)
        assert rows(programme, Engagement)[-1].occurred_on == meant(past, text, True)
        text = form(future)
        reply = run(programme, f'action add "Ring back" --due {text} --owner @jane')
        expected = meant(future, text, False)
        if expected is None:
            assert "not a real date" in reply
        elif expected < TODAY:
            assert "has passed" in reply
        else:
            assert reply.startswith("Added action"), (text, reply)
            assert rows(programme, Action)[-1].due_on == expected
