"""The HTTP surface: Slack at /slack/events, health, calendar feeds and their pages.

A plain WSGI callable, served by waitress in production and in tests.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable

from handlers.http import calendar

log = logging.getLogger("consult.web")

# (methods, path pattern, handler(services, environ, match) -> (status, headers, body)).
# Slack's paths and /healthz are answered in make_wsgi_app itself.
Route = tuple[set[str], re.Pattern, Callable]
ROUTES: list[Route] = [
    ({"GET", "HEAD"}, re.compile(r"/calendar/(?P<token>[^/]{1,100})\.ics"), calendar.calendar_feed),
    ({"GET", "HEAD"}, re.compile(r"/calendar/(?P<token>[^/.]{1,100})"), calendar.calendar_page),
]


def _signature_headers_readable(environ) -> bool:
    """False when Slack's signature headers are present but unreadable.

    slack_sdk's verifier calls int() on the timestamp header, so an empty or
    non-numeric one raised inside Bolt and became a 500. Such a request is
    simply unsigned: it gets the same 401 as any other. (Reported upstream:
    see docs/security.md.) Absent headers are left to Bolt, which refuses them.
    """
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if timestamp is not None:
        try:
            int(timestamp)
        except ValueError:
            return False
    return signature is None or bool(signature.strip())


def make_wsgi_app(services, slack_handler=None):
    """`slack_handler` is Bolt's WSGI handler, or None when Slack comes over Socket Mode."""
    slack_paths = {"/slack/events", "/slack/install", "/slack/oauth_redirect"}

    def application(environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        try:
            if slack_handler is not None and path in slack_paths:
                if path == "/slack/events" and not _signature_headers_readable(environ):
                    start_response("401 Unauthorized", [("Content-Type", "application/json")])
                    return [b'{"error": "invalid request"}']
                try:
                    return slack_handler(environ, start_response)
                except json.JSONDecodeError:
                    # Bolt parses the body before it checks the signature: a garbled payload
                    # (signed or not) is the sender's mistake, a 400, not our 500.
                    start_response("400 Bad Request", [("Content-Type", "application/json")])
                    return [b'{"error": "the request body is not valid JSON"}']
            if path == "/healthz" and method in ("GET", "HEAD"):
                ok = services.ping() if services.ping else True
                body = b"ok\n" if ok else b"database unreachable\n"
                start_response(
                    "200 OK" if ok else "503 Service Unavailable",
                    [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")],
                )
                return [b"" if method == "HEAD" else body]
            for methods, pattern, handler in ROUTES:
                m = pattern.fullmatch(path)
                if m and method in methods:
                    status, headers, body = handler(services, environ, m)
                    start_response(status, headers)
                    return [b"" if method == "HEAD" else body]
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not Found\n"]
        except Exception:
            log.exception(
                "request failed: %s %s",
                method,
                path if not path.startswith("/calendar/") else "/calendar/…",
            )
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")]
            )
            return [b"Internal Server Error\n"]

    return application
