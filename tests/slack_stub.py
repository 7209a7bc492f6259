"""A local stand-in for Slack's Web API (and response_url), for tests.

It answers the methods Consult calls, records every request, and can be
told to fail (429 with Retry-After, 500) a given number of times.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

MESSAGES = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response")
VIEWS = ("views.open", "views.publish", "views.update", "views.push")


def block_kit_problems(method: str, body: dict) -> list[str]:
    """What real Slack would refuse in a message or view, by slack_sdk's Block Kit models; and a
    message with blocks but no top-level text (notifications and screen readers need it)."""
    from slack_sdk.models.blocks import Block
    from slack_sdk.models.views import View

    problems = []
    try:
        if method in MESSAGES and body.get("blocks"):
            if not str(body.get("text") or "").strip():
                problems.append(f"{method} with blocks but no text")
            if len(body["blocks"]) > 50:
                problems.append(f"{method} with {len(body['blocks'])} blocks")
            for raw in body["blocks"]:
                Block.parse(raw).validate_json()
        elif method in VIEWS and isinstance(body.get("view"), dict):
            View(**body["view"]).validate_json()
    except Exception as e:  # a SlackObjectFormationError, or a shape the models cannot read
        problems.append(f"{method}: {type(e).__name__}: {e}")
    return problems


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response" for response_url posts
    body: dict
    path: str
    at: float = field(default_factory=time.time)


class SlackStub:
    def __init__(self):
        self.calls: list[Call] = []
        self.failures: dict[str, list[tuple[int, dict]]] = {}
        self.admins: set[str] = set()
        self.files: list[dict] = []  # what files.list answers; content served at /files/<id>
        self.file_content: dict[str, bytes] = {}
        # Files uploaded with files.getUploadURLExternal / the upload URL / completeUploadExternal:
        # id -> {"filename", "title", "length", "content", "complete", "channel_id", "alt_txt"}.
        self.uploads: dict[str, dict] = {}
        self._file_seq = 0
        self.files_processing = False  # True: uploads complete but Slack refuses to show them yet
        self._lock = threading.Lock()
        self._ts = 1_400_000_000
        # What conversations.history answers: posts made through the stub, plus seeded ones.
        self.history: dict[str, list[dict]] = {}
        # Socket Mode: what apps.connections.open hands out (tests/socket_stub.py's new_url).
        self.socket_url = None
        # The workspace directory: Slack user objects by id, for users.info and users.list.
        self.directory: dict[str, dict] = {}
        self.not_found: set[str] = set()  # ids users.info answers user_not_found for
        # What real Slack would refuse, or show badly: checked on every message and view sent.
        self.problems: list[str] = []
        # Calls of these methods wait, unrecorded, until release() (see hold()).
        self._holds: dict[str, threading.Event] = {}
        self.held: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                ctype = self.headers.get("Content-Type", "")
                body: dict
                if self.path.startswith("/upload/"):
                    # The file's bytes, sent to the address files.getUploadURLExternal gave.
                    body = {"_size": len(raw)}
                    stub._store_upload(self.path.rsplit("/", 1)[-1], raw)
                elif "json" in ctype:
                    body = json.loads(raw or b"{}")
                elif "multipart" in ctype:
                    body = {"_multipart": True, "_size": len(raw)}
                else:
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    for key in ("blocks", "metadata", "view", "attachments", "outputs"):
                        if isinstance(body.get(key), str):
                            try:
                                body[key] = json.loads(body[key])
                            except ValueError:
                                pass
                path = self.path
                method = (
                    "response" if path.startswith("/response/") else path.strip("/").split("/")[-1]
                )
                if path.startswith("/upload/"):
                    method = "upload"
                if stub._hold_here(method):
                    self.close_connection = True  # the caller was killed meanwhile: no answer
                    return
                status, payload, headers = stub._answer(method, body, path)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_PUT = do_POST

            def do_GET(self):
                file_id = self.path.rsplit("/", 1)[-1]
                content = stub.file_content.get(file_id)
                auth = self.headers.get("Authorization", "")
                if content is None or not auth.startswith("Bearer xox"):
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.api_url = self.url + "/api/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/response/{name}"

    def add_file(self, name: str, content: bytes, created: int | None = None) -> None:
        """A file shared in a channel: listed by files.list, downloadable with a bot token."""
        file_id = f"F{len(self.files) + 1}"
        self.file_content[file_id] = content
        self.files.append(
            {
                "id": file_id,
                "name": name,
                "created": created or int(time.time()),
                "url_private_download": f"{self.url}/files/{file_id}",
            }
        )

    def fail(self, method: str, times: int, status: int = 429, headers: dict | None = None) -> None:
        """The next `times` calls of `method` fail with `status`."""
        self.failures.setdefault(method, []).extend(
            [(status, headers or {"Retry-After": "1"})] * times
        )

    def hold(self, method: str) -> None:
        """Calls of `method` wait without an answer until release(), and are then dropped
        unrecorded: a reply that never reached Slack, from a process killed meanwhile."""
        self._holds[method] = threading.Event()

    def release(self, method: str) -> None:
        self._holds.pop(method).set()

    def _hold_here(self, method: str) -> bool:
        gate = self._holds.get(method)
        if gate is None:
            return False
        with self._lock:
            self.held.append(method)
        gate.wait(60)
        return True

    def _answer(self, method: str, body: dict, path: str):
        with self._lock:
            queued = self.failures.get(method)
            if queued:
                status, headers = queued.pop(0)
                self.calls.append(Call(method + ":failed", body, path))
                return (
                    status,
                    {"ok": False, "error": "ratelimited" if status == 429 else "internal_error"},
                    headers,
                )
            if method in ("chat.postMessage", "chat.update", "views.publish", "response"):
                view = body.get("view") if isinstance(body.get("view"), dict) else {}
                bad = self._bad_images(body.get("blocks") or view.get("blocks"))
                if bad:
                    self.calls.append(Call(method + ":failed", body, path))
                    return (
                        400 if method == "response" else 200,  # response_url: an HTTP error
                        {
                            "ok": False,
                            "error": "invalid_blocks",
                            "errors": [f"invalid slack file {bad[0]} [json-pointer:/blocks]"],
                        },
                        {},
                    )
            self.calls.append(Call(method, body, path))
            self.problems += block_kit_problems(method, body)
            self._ts += 1
            ts = f"{self._ts}.000100"
            if method == "chat.postMessage":
                self._remember(
                    body.get("channel"),
                    {"ts": ts, "text": body.get("text"), "metadata": body.get("metadata")},
                )
        if method == "auth.test":
            return (
                200,
                {"ok": True, "user_id": "UBOT", "team_id": "T1", "bot_id": "BBOT", "team": "Test"},
                {},
            )
        if method == "apps.connections.open" and self.socket_url is not None:
            return 200, {"ok": True, "url": self.socket_url()}, {}
        if method == "users.info":
            user = body.get("user")
            if user in self.not_found:
                return 200, {"ok": False, "error": "user_not_found"}, {}
            found = dict(self.directory.get(user) or {"id": user})
            found.update(is_admin=user in self.admins, is_owner=False)
            return 200, {"ok": True, "user": found}, {}
        if method == "users.list":
            everyone = list(self.directory.values())
            start = int(body.get("cursor") or 0)
            end = start + int(body.get("limit") or 200)
            more = {"next_cursor": str(end) if end < len(everyone) else ""}
            return (
                200,
                {"ok": True, "members": everyone[start:end], "response_metadata": more},
                {},
            )
        if method in ("chat.postMessage", "chat.update"):
            return (
                200,
                {"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"ts": ts}},
                {},
            )
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D" + str(body.get("users", "X"))}}, {}
        if method == "files.list":
            return 200, {"ok": True, "files": list(reversed(self.files))}, {}
        if method == "conversations.history":
            with self._lock:
                messages = list(reversed(self.history.get(body.get("channel"), [])))
            if str(body.get("include_all_metadata")).lower() not in ("1", "true"):
                messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
            return (
                200,
                {
                    "ok": True,
                    "messages": messages[: int(body.get("limit") or 100)],
                    "has_more": False,
                },
                {},
            )
        if method == "files.getUploadURLExternal":
            with self._lock:
                self._file_seq += 1
                file_id = f"F{self._file_seq:09d}"  # Slack's shape: F and 8 or more capitals/digits
                self.uploads[file_id] = {
                    "filename": body.get("filename"),
                    "length": int(body.get("length") or 0),
                    "alt_txt": body.get("alt_txt"),
                    "content": b"",
                    "complete": False,
                }
            return (
                200,
                {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id},
                {},
            )
        if method == "files.completeUploadExternal":
            files = body.get("files")
            files = json.loads(files) if isinstance(files, str) else (files or [])
            with self._lock:
                for f in files:
                    found = self.uploads.get(f.get("id"))
                    if found is None or len(found["content"]) != found["length"]:
                        return 200, {"ok": False, "error": "file_not_found"}, {}
                    found.update(
                        complete=not self.files_processing,
                        title=f.get("title"),
                        channel_id=body.get("channel_id"),
                    )
            return 200, {"ok": True, "files": [{"id": f["id"]} for f in files]}, {}
        return 200, {"ok": True}, {}

    def _store_upload(self, file_id: str, content: bytes) -> None:
        with self._lock:
            if file_id in self.uploads:
                self.uploads[file_id]["content"] = content

    def image_files(self, blocks: list[dict] | None) -> list[str]:
        """The slack_file ids of a message's image blocks."""
        return [
            b["slack_file"]["id"]
            for b in blocks or []
            if b.get("type") == "image" and "slack_file" in b
        ]

    def _bad_images(self, blocks) -> list[str]:
        # Like Slack: an image block may only name a file that was uploaded and completed.
        return [
            f
            for f in self.image_files(blocks if isinstance(blocks, list) else None)
            if not (self.uploads.get(f) or {}).get("complete")
        ]

    def _remember(self, channel: str | None, message: dict) -> None:
        # A post to a user id lands in the DM, which conversations.open calls "D" + the user id.
        if channel and channel[:1] in ("U", "W"):
            channel = "D" + channel
        self.history.setdefault(channel, []).append(message)

    def seed_message(self, channel: str, ts: str, text: str, metadata: dict | None = None) -> None:
        """A message already in a channel (say, posted by a process that died before recording it)."""
        with self._lock:
            self._remember(channel, {"ts": ts, "text": text, "metadata": metadata})

    def sent(self, method: str) -> list[dict]:
        with self._lock:
            return [c.body for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.sent(method)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(
            f"expected {count} {method} call(s), got {len(self.sent(method))}: "
            f"{[c.method for c in self.calls]}"
        )

    def wait_for_any(self, methods, count: int = 1, timeout: float = 10.0) -> list[tuple]:
        """(method, body) of the calls of any of `methods`, once there are `count` of them."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                got = [(c.method, c.body) for c in self.calls if c.method in methods]
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"expected {count} of {methods}: {[c.method for c in self.calls]}")

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.failures.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
