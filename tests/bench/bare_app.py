"""The floor to compare with: a bare Bolt app on the same server stack as Consult.

`/consult` and every button ack and reply "ok"; `/calendar/<token>.ics`
answers a fixed calendar as large as a national feed (304 when the ETag matches). It is
served by the same WSGI server as Consult (handlers.wsgi_server: waitress,
or gunicorn's gthread workers) with the same number of threads, behind the
same kind of WSGI dispatch as handlers.web, so the gap between the two is
Consult's own work: parsing, the database, rendering.

    python -m tests.bench.bare_app --port 3001 --threads 16 --server gunicorn
"""

from __future__ import annotations

import argparse
import logging
import os
import re

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from handlers.wsgi_server import DEFAULT_SERVER, SERVERS, run_wsgi

# As many events as make it about as large as a national programme's feed (about 23 KB): a
# repeat fetch of a kept feed is then compared with sending the same bytes, not fewer.
FEED_EVENTS = 165
FEED = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//bare//EN\r\n"
    + b"".join(
        b"BEGIN:VEVENT\r\nUID:bare-%d@bench\r\nDTSTAMP:20150101T000000Z\r\n"
        b"DTSTART;VALUE=DATE:20150304\r\nSUMMARY:Milestone %d of the programme\r\n"
        b"END:VEVENT\r\n" % (n, n)
        for n in range(FEED_EVENTS)
    )
    + b"END:VCALENDAR\r\n"
)
ETAG = '"bare-feed-1"'


def make_bolt(signing_secret: str, token: str, api_url: str | None) -> App:
    client = WebClient(token=token, **({"base_url": api_url} if api_url else {}))
    app = App(signing_secret=signing_secret, client=client, process_before_response=False)

    @app.command("/consult")
    def consult(ack, respond):
        ack()
        respond(text="ok", response_type="ephemeral", replace_original=False)

    @app.action(re.compile(".*"))
    def button(ack, respond):
        ack()
        respond(text="ok", response_type="ephemeral", replace_original=False)

    return app


def make_wsgi(bolt: App):
    slack = SlackRequestHandler(bolt)
    feed = re.compile(r"/calendar/([A-Za-z0-9_-]+)\.ics")

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/slack/events":
            return slack(environ, start_response)
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        if feed.fullmatch(path):
            if environ.get("HTTP_IF_NONE_MATCH") == ETAG:
                start_response("304 Not Modified", [("ETag", ETAG)])
                return [b""]
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/calendar; charset=utf-8"),
                    ("ETag", ETAG),
                    ("Content-Length", str(len(FEED))),
                ],
            )
            return [FEED]
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Not Found\n"]

    return application


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    def load():  # after gunicorn's fork, as Consult's own app is built
        bolt = make_bolt(
            os.environ["SLACK_SIGNING_SECRET"],
            os.environ["SLACK_BOT_TOKEN"],
            os.environ.get("SLACK_API_URL"),
        )
        return make_wsgi(bolt)

    run_wsgi(args.server, load, host="127.0.0.1", port=args.port, threads=args.threads, name="bare")


if __name__ == "__main__":
    main()
