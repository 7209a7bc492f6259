"""A local stand-in for Slack's Socket Mode server, on a real WebSocket on the loopback.

`apps.connections.open` (answered by the Web API stand-in) hands out
`ws://127.0.0.1:<port>/link/?ticket=N`; each connection is greeted with
`hello`, as Slack does. Tests send envelopes, read what the app sends back
(acks with their envelope_id), ask for a refresh (`disconnect`), or drop the
socket without a WebSocket close, as a firewall would.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve


@dataclass
class Received:
    connection: int  # 1 for the first connection, 2 for the next...
    message: dict


class SocketModeStub:
    def __init__(self):
        self.connections: list = []
        self.received: list[Received] = []
        self._cond = threading.Condition()
        self._tickets = itertools.count(1)
        self.server = serve(self._handle, "127.0.0.1", 0, compression=None, ping_interval=None)
        self.port = self.server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def new_url(self) -> str:
        """What apps.connections.open answers."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket={next(self._tickets)}"

    def _handle(self, conn) -> None:
        with self._cond:
            self.connections.append(conn)
            number = len(self.connections)
            self._cond.notify_all()
        conn.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A1"},
                    "debug_info": {"host": "applink-stub", "approximate_connection_time": 18060},
                }
            )
        )
        try:
            for raw in conn:
                with self._cond:
                    self.received.append(Received(number, json.loads(raw)))
                    self._cond.notify_all()
        except (ConnectionClosed, OSError, ValueError):
            pass

    # -- what the tests do ----------------------------------------------------
    def wait_connections(self, count: int, timeout: float = 20) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.connections) >= count, timeout):
                raise AssertionError(
                    f"expected {count} Socket Mode connection(s), got {len(self.connections)}"
                )

    def send(self, envelope_type: str, payload: dict, envelope_id: str | None = None, **extra):
        """Send an envelope on the newest connection; returns its envelope_id."""
        envelope_id = envelope_id or str(uuid.uuid4())
        message = {"envelope_id": envelope_id, "type": envelope_type, "payload": payload}
        message.update(extra)
        self.connections[-1].send(json.dumps(message))
        return envelope_id

    def acks(self, envelope_id: str) -> list[Received]:
        with self._cond:
            return [r for r in self.received if r.message.get("envelope_id") == envelope_id]

    def wait_ack(self, envelope_id: str, timeout: float = 20) -> Received:
        with self._cond:
            if not self._cond.wait_for(lambda: self._first(envelope_id), timeout):
                raise AssertionError(f"no ack for envelope {envelope_id}")
            return self._first(envelope_id)

    def _first(self, envelope_id: str) -> Received | None:
        return next((r for r in self.received if r.message.get("envelope_id") == envelope_id), None)

    def refresh(self, timeout: float = 20) -> None:
        """Slack's periodic refresh: `disconnect` on the old connection, then the app opens a new one.

        Like Slack, the stand-in leaves the old connection open: closing it is the app's job.
        """
        old = self.connections[-1]
        before = len(self.connections)
        old.send(
            json.dumps(
                {
                    "type": "disconnect",
                    "reason": "refresh_requested",
                    "debug_info": {"host": "applink-stub"},
                }
            )
        )
        self.wait_connections(before + 1, timeout)

    def closed(self, number: int) -> bool:
        """Whether connection `number` (1 for the first) has ended."""
        from websockets.protocol import State

        return self.connections[number - 1].protocol.state is State.CLOSED

    def drop(self) -> None:
        """End the newest connection's TCP socket, with no WebSocket close."""
        conn = self.connections[-1]
        try:
            conn.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        self.server.shutdown()
        deadline = time.time() + 5
        while self._thread.is_alive() and time.time() < deadline:
            self._thread.join(0.1)
