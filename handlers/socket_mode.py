"""Slack over Socket Mode: slack_sdk's built-in client, with prompt reconnects and no repeats.

Two behaviours of the built-in client are changed, both around a connection ending:

- A refresh (Slack's `disconnect` message, every few hours): the client opens
  the new connection, then closes the old one; closing waits for the old
  socket's reader, which sits in a blocking read of up to 3 seconds, and no
  envelope is read or acked meanwhile. Shutting the old socket down first
  wakes its reader at once, so the switch takes no pause.
- A dropped socket (a proxy or firewall ending the TCP connection without a
  WebSocket close): the client saw only empty reads and noticed the loss at
  its next ping check, many seconds later. An empty read now ends the
  connection, and the client connects again straight away.

Slack sends an envelope again when it saw no ack (say the socket dropped
in between); each envelope id is recorded in the `slack_event` ledger, so a
repeat is acked and dropped, never answered twice.
"""

from __future__ import annotations

import logging
import socket

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy.exc import DBAPIError

from bot.services.container import Services
from storage.slack_events import first_delivery

log = logging.getLogger("consult.socket_mode")


class PeerClosed(ConnectionResetError):
    """Slack's end (or something between) closed the socket without a WebSocket close."""


class _WatchedSocket:
    """The connection's socket; an empty read means the peer has gone."""

    def __init__(self, sock):
        self._sock = sock
        self.closing = False  # we are closing it ourselves: an empty read is expected

    def recv(self, size: int, *args) -> bytes:
        data = self._sock.recv(size, *args)
        if not data and size and not self.closing:
            raise PeerClosed("the Socket Mode connection was closed by the other end")
        return data

    def close_now(self) -> None:
        """Wake a reader blocked on this socket, so that closing needs no wait."""
        self.closing = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone

    def __getattr__(self, name):
        return getattr(self._sock, name)


class PromptSocketModeClient(SocketModeClient):
    """slack_sdk's built-in client; switches and reconnects without waiting on a read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The reader thread looks for a new connection every 0.1 s by default; an
        # envelope on a fresh connection waits for that look.
        self.current_session_runner.interval_seconds = 0.01

    def connect(self) -> None:
        old = self.current_session
        if old is not None and isinstance(old.sock, _WatchedSocket):
            old_sock = old.sock
            plain_close = old.close

            def close_at_once():
                old_sock.close_now()
                plain_close()

            old.close = close_at_once  # the parent closes the old one after the new one is up
        super().connect()
        session = self.current_session
        if session is not None and session.sock is not None:
            session.sock = _WatchedSocket(session.sock)

    def _on_error(self, error: Exception):
        super()._on_error(error)
        if isinstance(error, PeerClosed) and self.auto_reconnect_enabled and not self.closed:
            self.logger.info("The Socket Mode connection dropped; connecting again")
            self.connect_to_new_endpoint(force=True)


class ConsultSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler on the prompt client, with repeated envelopes dropped."""

    def __init__(self, app: App, app_token: str, services: Services, ping_interval: float = 10):
        # Not super().__init__: that starts a client of its own, threads and all.
        self.app = app
        self.app_token = app_token
        self.engine = services.engine
        self.client = PromptSocketModeClient(
            app_token=app_token,
            logger=logging.getLogger("consult.socket_mode.client"),
            web_client=app.client,
            proxy=app.client.proxy,
            ping_interval=ping_interval,
            concurrency=10,
        )
        self.client.socket_mode_request_listeners.append(self.handle)

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        if not self._first_delivery(req):
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            log.info("envelope %s already handled; repeat acked and dropped", req.envelope_id)
            return
        super().handle(client, req)

    def _first_delivery(self, req: SocketModeRequest) -> bool:
        payload = req.payload if isinstance(req.payload, dict) else {}
        team = payload.get("team_id") or (payload.get("team") or {}).get("id")
        try:
            return first_delivery(self.engine, f"envelope:{req.envelope_id}", team)
        except DBAPIError:
            return True  # without the ledger, answer rather than drop: a repeat is rarer than this
