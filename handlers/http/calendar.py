"""`GET|HEAD /calendar/<token>.ics`: the calendar feed that Outlook, Google and Apple subscribe to;
`GET|HEAD /calendar/<token>`: a page for people who open that address in a browser.

Conditional requests (ETag / If-None-Match first, then Last-Modified /
If-Modified-Since) answer 304 so polling clients download only changes.
Anything that is not a live address gets exactly the server's ordinary 404.
The token is never logged: fetches are logged by feed id.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from bot.rendering import html_environment
from bot.services.calendar import PERSONAL, FeedBody, fetch_feed, subscribe_page

log = logging.getLogger("consult.calendar")

# The same answer as any unknown path: nothing tells a guesser what was wrong.
NOT_FOUND = ("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")], b"Not Found\n")


def _etag(feed: FeedBody) -> str:
    return f'"{feed.etag}"'


def _tags(header: str) -> list[str]:
    """The entity tags of an If-None-Match header, weak ones reduced to their value."""
    tags = []
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part:
            tags.append(part)
    return tags


def not_modified(environ: dict, feed: FeedBody) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present; If-Modified-Since otherwise."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or _etag(feed) in tags
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since and feed.last_modified is not None:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if when is None:
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return feed.last_modified.replace(microsecond=0) <= when
    return False


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def calendar_feed(services, environ, match):
    feed = fetch_feed(services.new_uow(), match.group("token"))
    if feed is None:
        log.info("calendar feed request for an unknown address: 404")
        return NOT_FOUND
    headers = [
        ("ETag", _etag(feed)),
        ("Last-Modified", _http_date(feed.last_modified)),
        # Clients may keep a copy but must ask again (cheaply, with 304) before using it.
        ("Cache-Control", "private, max-age=0, must-revalidate"),
        # The address is a secret: don't let it leak through a Referer.
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    # Clients poll every few minutes, mostly answered 304, some (without an ETag) in full: a
    # line each would flood the log, and every fetch is counted for `/consult calendar status`.
    if not_modified(environ, feed):
        log.debug("calendar feed %d (%s) fetched: 304 not modified", feed.feed_id, feed.kind)
        return "304 Not Modified", headers, b""
    log.debug(
        "calendar feed %d (%s) fetched: %d events, %d bytes",
        feed.feed_id,
        feed.kind,
        feed.events,
        len(feed.body),
    )
    headers += [
        ("Content-Type", "text/calendar; charset=utf-8"),
        ("Content-Disposition", 'inline; filename="calendar.ics"'),
        ("Content-Length", str(len(feed.body))),
    ]
    return "200 OK", headers, feed.body


def calendar_page(services, environ, match):
    """How to subscribe to this address, in words, instead of a file download."""
    page = subscribe_page(
        services.new_uow(), match.group("token"), services.settings.public_base_url
    )
    if page is None:
        log.info("calendar page request for an unknown address: 404")
        return NOT_FOUND
    personal = page.kind == PERSONAL
    body = (
        html_environment()
        .get_template("calendar/subscribe.html.j2")
        .render(
            title=f"{page.programme_name} (mine)" if personal else page.programme_name,
            what=(
                f"The deadlines, actions and duties you own in {page.programme_name}"
                if personal
                else f"The key dates, meetings and votes of {page.programme_name}"
            ),
            web=page.web,
            webcal=page.webcal,
            rotate=(
                "Type /consult calendar mine rotate in the programme's channel: this address "
                "stops working at once, and you get a new one."
                if personal
                else "Ask one of the programme's admins to type /consult calendar rotate in its "
                "channel: every address of the calendar stops working at once."
            ),
        )
        .encode("utf-8")
    )
    return (
        "200 OK",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            # The page shows the secret address: never kept by a shared cache, never leaked onwards.
            ("Cache-Control", "no-store"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Robots-Tag", "noindex"),
            (
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
        ],
        body,
    )
