"""Calendar feeds end to end: signed `/consult calendar` commands, then real HTTP fetches of the feed."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from storage.models import Vote
from tests.unit.test_calendar_feed import parse_three

UTC = UTC
ADDRESS = re.compile(r"(https?://\S+/calendar/([A-Za-z0-9_-]+)\.ics)")


def subscribe(app, text="calendar", user="UADMIN") -> tuple[str, str, str]:
    """The reply's https address, its webcal twin, and the path to fetch."""
    reply = app.reply(text, user=user)
    lines = reply.splitlines()
    web = next(i for i, line in enumerate(lines) if ADDRESS.search(line))
    url = ADDRESS.search(lines[web]).group(1)
    assert lines[web + 1].strip() == "webcal://" + url.split("://", 1)[1], "webcal:// comes second"
    assert "Subscribe from web" in reply and "From URL" in reply and "Apple Calendar" in reply
    assert "every few hours" in reply
    return url, lines[web + 1].strip(), "/calendar/" + ADDRESS.search(url).group(2) + ".ics"


def setup(app, slack):
    app.command(
        'setup "Hillingdon co-commissioning" --template co-commissioning --year 2014 --model joint'
    )
    slack.wait_for("chat.postMessage")
    app.wait_until_known("UADMIN")  # the first-seen directory lookup, done before any fetch


def test_subscribe_fetch_and_revalidate(running_app, slack, caplog):
    caplog.set_level(logging.DEBUG, logger="consult")  # fetches are logged at debug
    setup(running_app, slack)
    with running_app.services.new_uow() as uow:
        programme = uow.programmes.by_channel("T1", "C1")
        uow.session.add(
            Vote(
                programme_id=programme.id,
                question="Support delegated commissioning?",
                closes_at=datetime(2015, 3, 4, 17, tzinfo=UTC),
                opened_by="UADMIN",
            )
        )
        uow.commit()
    url, webcal, path = subscribe(running_app)
    assert url.startswith(running_app.settings.public_base_url + "/calendar/")
    token = path[len("/calendar/") : -4]

    r = running_app.get(path, {"Accept-Encoding": "gzip, deflate"})
    assert r.status == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "content-encoding" not in r.headers
    assert re.fullmatch(r'"[0-9a-f]{64}"', r.headers["etag"])  # strong: no W/ prefix
    assert (
        "must-revalidate" in r.headers["cache-control"] or "no-cache" in r.headers["cache-control"]
    )
    assert int(r.headers["content-length"]) == len(r.body)
    assert b"\n" not in r.body.replace(b"\r\n", b"")
    events = parse_three(r.body)
    assert any(
        e["summary"].startswith("Vote closes:")
        and e["start"] == datetime(2015, 3, 4, 17, tzinfo=UTC)
        for e in events.values()
    )
    assert sum(1 for u in events if "-deadline-" in u) == 4  # joint: one proforma
    last_modified = r.headers["last-modified"]
    assert parsedate_to_datetime(last_modified) <= datetime.now(UTC)

    # Conditional requests: 304 with no body, by ETag (also weak and in a list) or by date.
    # While nothing changes, a 304 neither reads the items nor renders the calendar:
    # that is what makes polling cheap.
    import bot.services.calendar as calendar_service

    def must_not_run(*args):
        raise AssertionError("read or rendered a calendar for a 304")

    real = calendar_service.build_calendar, calendar_service.feed_contents
    calendar_service.build_calendar = calendar_service.feed_contents = must_not_run
    try:
        for headers in (
            {"If-None-Match": r.headers["etag"]},
            {"If-None-Match": f'"x", W/{r.headers["etag"]}'},
            {"If-None-Match": "*"},
            {"If-Modified-Since": last_modified},
        ):
            again = running_app.get(path, headers)
            assert again.status == 304 and again.body == b"", headers
            assert again.headers["etag"] == r.headers["etag"]
    finally:
        calendar_service.build_calendar, calendar_service.feed_contents = real
    assert running_app.get(path, {"If-None-Match": '"stale"'}).status == 200
    # If-None-Match wins over If-Modified-Since when both are sent.
    assert (
        running_app.get(
            path, {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
        ).status
        == 200
    )
    earlier = format_datetime(
        parsedate_to_datetime(last_modified) - timedelta(seconds=1), usegmt=True
    )
    assert running_app.get(path, {"If-Modified-Since": earlier}).status == 200
    assert running_app.get(path, {"If-Modified-Since": "not a date"}).status == 200

    # HEAD: the same headers, no body.
    head = running_app.get(path, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["etag"] == r.headers["etag"]
    assert head.headers["content-length"] == r.headers["content-length"]

    # A change (a new deadline) moves the ETag and Last-Modified; the old ETag no longer matches.
    running_app.command('deadline add "Board paper" 10/3/2030')
    changed = running_app.get(path, {"If-None-Match": r.headers["etag"]})
    assert changed.status == 200 and changed.headers["etag"] != r.headers["etag"]
    assert parsedate_to_datetime(changed.headers["last-modified"]) > parsedate_to_datetime(
        last_modified
    )
    assert any(e["summary"] == "Deadline: Board paper" for e in parse_three(changed.body).values())
    assert running_app.get(path, {"If-Modified-Since": last_modified}).status == 200

    # Fetches are logged by feed id, never with the token.
    assert "calendar feed" in caplog.text and token not in caplog.text
    status = running_app.reply("calendar status")
    assert re.search(r"last fetched \w{3} \d+ \w{3} \d{4} \d\d:\d\d, 12 fetches", status), status


def test_rotation_kills_the_old_address_at_once(running_app, slack):
    setup(running_app, slack)
    _, _, old = subscribe(running_app)
    _, _, janes = subscribe(running_app, user="UJANE")
    assert running_app.get(old).status == 200 and running_app.get(janes).status == 200
    refused = running_app.reply("calendar rotate", user="UJANE")
    assert "Only the programme's admins" in refused and "<@UADMIN>" in refused
    assert running_app.get(janes).status == 200

    posts_before = len(slack.sent("chat.postMessage"))
    reply = running_app.reply("calendar rotate")
    assert "2 earlier addresses" in reply
    new = "/calendar/" + ADDRESS.search(reply).group(2) + ".ics"
    unknown = running_app.get("/nothing-here")
    for path in (old, janes):
        gone = running_app.get(path)
        assert (gone.status, gone.body, gone.headers.get("content-type")) == (
            unknown.status,
            unknown.body,
            unknown.headers.get("content-type"),
        )
        assert running_app.get(path, method="HEAD").status == 404
    assert running_app.get(new).status == 200
    notice = slack.wait_for("chat.postMessage", posts_before + 1)[-1]
    assert notice["channel"] == "C1" and "/consult calendar" in notice["text"]
    assert ADDRESS.search(notice["text"]) is None  # the new address is never posted to the channel


def test_malformed_and_unknown_addresses_say_nothing(running_app, slack):
    setup(running_app, slack)
    _, _, real = subscribe(running_app)
    unknown = running_app.get("/nothing-here")
    token = real[len("/calendar/") : -4]
    for path in (
        "/calendar/.ics",
        "/calendar/abc.ics",
        f"/calendar/{token}x.ics",
        f"/calendar/{token[:-1]}.ics",
        f"/calendar/{token.swapcase()}.ics",
        "/calendar/%2e%2e%2fetc.ics",
        f"/calendar/{token}.ICS",
        f"/calendar/{'A' * 43}.ics",
        f"/calendar/{'Z' * 500}.ics",
        # The page without .ics: the same silence for anything that is not a live address.
        "/calendar/abc",
        f"/calendar/{token[:-1]}",
        f"/calendar/{token.swapcase()}",
        f"/calendar/{'A' * 43}",
        f"/calendar/{token}.html",
    ):
        r = running_app.get(path)
        assert (r.status, r.body) == (404, unknown.body), path
    assert running_app.get(real).status == 200


def test_personal_feed_over_http(running_app, slack):
    setup(running_app, slack)
    running_app.command('deadline add "Jane\'s paper" 10/3/2030 --owner <@UJANE>')
    running_app.command('deadline add "Bob\'s paper" 11/3/2030 --owner <@UBOB>')
    _, _, path = subscribe(running_app, "calendar mine", user="UJANE")
    r = running_app.get(path)
    assert r.status == 200
    summaries = {e["summary"] for e in parse_three(r.body).values()}
    assert "Deadline: Jane's paper" in summaries and "Deadline: Bob's paper" not in summaries
    assert not any("Expression of interest" in s for s in summaries)
    assert "(mine)" in r.text.split("X-WR-CALNAME:", 1)[1].split("\r\n", 1)[0]


def test_calendar_bad_input_and_no_programme(running_app, slack):
    text = running_app.reply("calendar")
    assert "no programme yet" in text and "/consult setup" in text
    setup(running_app, slack)
    text = running_app.reply("calendar rotte")
    assert "Did you mean `rotate`" in text and "Usage" in text
    text = running_app.reply("calendar mine mine")
    assert "Usage" in text


def test_the_address_without_ics_is_a_page_saying_how_to_subscribe(running_app, slack):
    setup(running_app, slack)
    reply = running_app.reply("calendar")
    url, webcal, path = subscribe(running_app)
    page_url = url[: -len(".ics")]
    reply = running_app.reply("calendar")
    assert re.search(r"Step by step .*: https?://\S+/calendar/[A-Za-z0-9_-]{43}$", reply, re.M)
    assert "Outlook decides when" in reply and "may take hours" in reply

    page = running_app.get(page_url[len(running_app.settings.public_base_url) :])
    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert (
        '<html lang="en-GB">' in html
        and "<title>Subscribe to Hillingdon co-commissioning</title>" in html
    )
    assert f'<a href="{webcal}">' in html  # the webcal:// link, clickable
    assert f'<a href="{url}"><code id="address">{url}</code></a>' in html  # the plain link
    for step in ("Outlook on the web", "Subscribe from web", "From Internet", "Google Calendar"):
        assert step in html, step
    assert "Outlook decides when it checks" in html and "several hours" in html
    assert "/consult calendar rotate" in html
    head = running_app.get(path[: -len(".ics")], method="HEAD")
    assert (head.status, head.body) == (200, b"")

    # Opening the page is not a fetch of the feed; the feed and its 304s are as before.
    assert "last fetched never, 0 fetches" in running_app.reply("calendar status")
    r = running_app.get(path)
    assert r.status == 200 and r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert running_app.get(path, {"If-None-Match": r.headers["etag"]}).status == 304

    # After a rotation the page goes with the feed: the ordinary 404.
    running_app.reply("calendar rotate")
    unknown = running_app.get("/nothing-here")
    gone = running_app.get(path[: -len(".ics")])
    assert (gone.status, gone.body) == (404, unknown.body)


def test_a_personal_page_names_the_personal_calendar_and_escapes_names(running_app, slack):
    running_app.command('setup "Harrow & <Brent> pilot" --template co-commissioning --year 2014')
    slack.wait_for("chat.postMessage")
    _, _, path = subscribe(running_app, "calendar mine", user="UJANE")
    html = running_app.get(path[: -len(".ics")]).text
    assert "Harrow &amp; &lt;Brent&gt; pilot (mine)" in html and "<Brent>" not in html
    assert "/consult calendar mine rotate" in html


def test_every_event_links_to_slack_and_says_how_to_act_on_it(running_app, slack):
    import icalendar

    setup(running_app, slack)
    running_app.command('meeting add "HWBB: draft plan" 9/12/2030 --time 14:00 --owner <@UADMIN>')
    running_app.command('action add "Call the LMC" --owner <@UADMIN> --due 8/12/2030')
    with running_app.services.new_uow() as uow:
        programme = uow.programmes.by_channel("T1", "C1")
        uow.session.add(
            Vote(
                programme_id=programme.id,
                question="Support delegated commissioning?",
                closes_at=datetime(2030, 12, 20, 17, tzinfo=UTC),
                opened_by="UADMIN",
            )
        )
        uow.commit()
    _, _, path = subscribe(running_app)
    _, _, mine = subscribe(running_app, "calendar mine")
    events = []
    for p in (path, mine):
        events += icalendar.Calendar.from_ical(running_app.get(p).body).walk("VEVENT")
    link = "https://slack.com/app_redirect?channel=C1&team=T1"
    kinds = set()
    for ev in events:
        assert str(ev["URL"]) == link, ev["SUMMARY"]
        kind = str(ev["UID"]).split("@")[0].split("-")[3]
        kinds.add(kind)
        text = str(ev["DESCRIPTION"])
        done = str(ev["SUMMARY"]).startswith("Done:")
        expected = {
            "deadline": "/consult deadline done ",
            "meeting": "/consult meeting move ",
            "vote": "/consult vote cast ",
            "duty": "/consult duty done ",
            "action": "/consult action done ",
        }[kind]
        assert done or expected in text, (kind, text)
    assert {"deadline", "meeting", "vote", "duty", "action"} <= kinds
