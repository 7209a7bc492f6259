"""One dispatch: the web process matches a request's listener; a worker calls that listener.

The web process's Bolt app verifies, authorizes and matches a request once. When
`defer_to_workers` queues it, it records which listener matched, by a name that
stays the same from one process to another (`listener_name`). A worker then
builds the request's context from the stored request (`WorkerContext`) and calls
that listener's function with Bolt's own argument injection: no second Bolt app,
no second pass through middleware or matching. A request with no recorded
listener (queued before listeners were recorded) is matched in the worker, over
the same listeners.

In `serve` the worker's listeners are the web app's own. A `python app.py worker`
process, which has no web app, declares them into a `ListenerTable`: Bolt's own
decorators filling a list, with no App around it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener import Listener
from slack_bolt.middleware.authorization import (
    MultiTeamsAuthorization,
    SingleTeamAuthorization,
)

from handlers.pipeline.client import make_client
from handlers.pipeline.listeners import add_listeners

log = logging.getLogger("consult.bolt")


def listeners_of(app) -> list[Listener]:
    """The listeners of the web's Bolt app (or of a ListenerTable), in the order Bolt tries them.
    The list itself, so a listener added later is seen too."""
    return app._listeners


def listener_name(listeners: Sequence[Listener], listener: Listener) -> str:
    """A listener's name, the same in every process running this code: its function's module
    and qualified name, and `#n` for the n-th listener of one function (one callback for
    several buttons)."""
    fn = listener.ack_function
    base = f"{fn.__module__}:{fn.__qualname__}"
    n = 1
    for other in listeners:
        if other is listener:
            break
        if other.ack_function is fn:
            n += 1
    return base if n == 1 else f"{base}#{n}"


def named(listeners: Sequence[Listener], name: str) -> Listener | None:
    for listener in listeners:
        if listener_name(listeners, listener) == name:
            return listener
    return None


def matching(
    listeners: Sequence[Listener], req: BoltRequest, resp: BoltResponse | None = None
) -> Listener | None:
    """The first listener whose matchers take the request: the one Bolt's dispatch would run."""
    resp = resp if resp is not None else BoltResponse(status=200, body="")
    for listener in listeners:
        if listener.matches(req=req, resp=resp):
            return listener
    return None


class ListenerTable:
    """The listeners as `add_listeners` declares them, with Bolt's own decorators (the very
    functions App.command, App.action... are), in a list with no App around it: a worker
    process's listeners."""

    name = "consult"
    # As App's defaults (App.event reads them).
    _attaching_conversation_kwargs_enabled = True
    _assistant_thread_context_store = None

    def __init__(self, services) -> None:
        self._listeners: list[Listener] = []
        self._base_logger = log
        self._framework_logger = log
        add_listeners(self, services)

    _to_listener_functions = staticmethod(App._to_listener_functions)
    _register_listener = App._register_listener
    action = App.action
    command = App.command
    event = App.event
    function = App.function
    options = App.options
    shortcut = App.shortcut
    view = App.view


class WorkerContext:
    """A stored request's BoltContext, as Bolt's dispatch would build it: ids from the payload,
    a Web API client with the workspace's token (SLACK_BOT_TOKEN, or in many-workspace mode the
    installation's bot token through the same authorize the web uses), and ack() doing nothing.

    `authorize(request)` returns None when the request is authorized, or Bolt's own answer for
    a request it cannot authorize (the workspace is no longer installed, say)."""

    def __init__(self, services) -> None:
        settings = services.settings
        self.settings = settings
        if settings.oauth:
            from handlers.oauth import oauth_options

            authorize = oauth_options(services, make_client(settings, None))["authorize"]
            self._authorization = MultiTeamsAuthorization(authorize=authorize, base_logger=log)
            self._token = None
        else:
            # auth.test once, when the first request needs it (who the bot is: context.bot_user_id).
            self._authorization = SingleTeamAuthorization(auth_test_result=None, base_logger=log)
            self._token = settings.slack_bot_token

    def request(self, body: str, content_type: str, context: dict) -> BoltRequest:
        req = BoltRequest(body=body, headers={"content-type": [content_type]}, context=context)
        req.context["logger"] = log
        req.context["token"] = self._token
        client = make_client(self.settings, self._token)
        client.team_id = req.context.team_id
        req.context["client"] = client
        return req

    def authorize(self, req: BoltRequest) -> BoltResponse | None:
        passed = []
        answer = self._authorization.process(
            req=req, resp=BoltResponse(status=200, body=""), next=lambda: passed.append(True)
        )
        if not passed:
            return answer or BoltResponse(status=401, body="")
        # As Bolt's AttachingFunctionToken: a custom step's calls use the token Slack gave it.
        if req.context.function_bot_access_token is not None:
            req.context.client.token = req.context.function_bot_access_token
        return None


def run_listener(listener: Listener, req: BoltRequest) -> BoltResponse | None:
    """The listener's middleware, then its function with Bolt's argument injection (ack() is
    there and does nothing: the web answered Slack long ago)."""
    resp = BoltResponse(status=200, body="")
    middleware_resp, next_was_not_called = listener.run_middleware(req=req, resp=resp)
    if next_was_not_called:
        return middleware_resp
    returned = listener.run_ack_function(request=req, response=middleware_resp or resp)
    return returned if isinstance(returned, BoltResponse) else None
