"""The local shell: Slack commands typed (or piped) in, replies and posts printed.

Like Hubot's shell adapter: the same dispatcher, services and storage as
Slack, with a Messenger that writes to the terminal.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TextIO

from bot.context import Actor

LOCAL_TEAM = "T_LOCAL"
LOCAL_ADMIN = "admin"
LOCAL_CHANNEL = "consult"

_USER = re.compile(r"<@([^>|]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^>|]+)\|([^>]+)>")


def plain(text: str, name=None) -> str:
    """Slack mrkdwn to terminal text; `name(user_id)` names a mentioned person (else the id)."""
    text = _USER.sub(lambda m: "@" + ((name(m.group(1)) if name else None) or m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = text.replace("<!here>", "@here").replace("<!channel>", "@channel")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def blocks_text(blocks: list[dict]) -> str:
    """What a person would read in a Block Kit message, as lines."""
    lines: list[str] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "header":
            lines.append(block["text"]["text"].upper())
        elif kind == "section":
            if block.get("text"):
                lines.append(block["text"]["text"])
            for f in block.get("fields") or []:
                lines.append(f["text"])
        elif kind == "context":
            lines.append(" ".join(e.get("text", "") for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("---")
        elif kind == "actions":
            labels = [e.get("text", {}).get("text", "") for e in block.get("elements", [])]
            lines.append("[" + "] [".join(labels) + "]")
        elif kind == "image":
            lines.append(f"(image: {block.get('alt_text', '')})")
    return "\n".join(lines)


class ConsoleMessenger:
    def __init__(self, out: TextIO, files_dir: Path | None = None, name=None):
        self.out = out
        self.name = name  # user id -> their name in the directory, or None
        self.files_dir = files_dir or Path("consult-data")
        self._ts = 0

    def _print(self, prefix: str, text: str, blocks) -> None:
        body = plain(blocks_text(blocks) if blocks else text, self.name)
        print(prefix + body.replace("\n", "\n" + " " * len(prefix)), file=self.out, flush=True)

    def _next_ts(self) -> str:
        self._ts += 1
        return f"{self._ts}.000000"

    def reply(self, text, blocks=None, fallback_blocks=None) -> None:
        self._print("(only you) ", text, blocks)

    def post(self, channel, text, blocks=None, *, thread_ts=None, metadata=None):
        self._print(f"[#{channel}{' thread' if thread_ts else ''}] ", text, blocks)
        return self._next_ts()

    def dm(self, user, text, blocks=None, *, metadata=None):
        self._print(f"[DM to @{user}] ", text, blocks)
        return self._next_ts()

    def update(self, channel, ts, text, blocks=None) -> None:
        self._print(f"[#{channel} message {ts} now reads] ", text, blocks)

    def open_modal(self, view) -> None:
        title = view.get("title", {}).get("text", "a form")
        self._print(
            "(only you) ",
            f"In Slack this opens the form “{title}”. In the shell, give the "
            "command's arguments instead (see /consult help).",
            None,
        )

    def upload(self, user, filename, content, title, comment) -> None:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / filename
        path.write_bytes(content)
        self._print(f"[DM to @{user}] ", f"{comment}\n(file saved as {path.resolve()})", None)

    def upload_image(self, filename, content, title, alt) -> str:
        # The shell prints image blocks as their alt text; the picture itself is kept beside
        # the other files the shell writes, for whoever wants to look at it.
        import tempfile

        folder = Path(tempfile.gettempdir()) / "consult-pictures"
        folder.mkdir(exist_ok=True)
        (folder / filename).write_bytes(content)
        self._uploads = getattr(self, "_uploads", 0) + 1
        return f"FLOCAL{self._uploads:05d}"

    def fetch_files(self, channel, names):
        from bot.errors import UsageError

        if not names:
            raise UsageError(
                "In the shell, give the files' paths: /consult stakeholder import practices.csv"
            )
        found = []
        for name in names:
            path = Path(name).expanduser()
            if not path.is_file():
                raise UsageError(f"There is no file {name}.")
            found.append((path.name, path.read_bytes()))
        return found


def directory_names(services, team_id: str = LOCAL_TEAM):
    """Mentions in the shell by name, for the people in the workspace directory; the local
    shell's own users (ids like `admin`) read as themselves."""
    from bot.people import name_of

    def name(user_id: str) -> str | None:
        with services.new_uow() as uow:
            person = uow.people.named(team_id, [user_id]).get(user_id)
        return name_of(user_id, person) if person else None

    return name


def run_shell(
    services, user: str, channel: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> int:
    interactive = stdin.isatty()
    if interactive:
        print(f"Consult shell, as @{user} in #{channel}. Type /consult help, or quit.", file=stdout)
    messenger = ConsoleMessenger(
        stdout, Path(services.settings.data_dir), name=directory_names(services)
    )
    actor = shell_actor(user)
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("quit", "exit"):
            break
        if not interactive:
            print(f"> {line}", file=stdout)
        run_line(services, actor, channel, messenger, line)
    return 0


def shell_actor(user: str = LOCAL_ADMIN) -> Actor:
    """Who types in the shell: the local admin is a workspace admin, anyone else is not."""
    return Actor(team_id=LOCAL_TEAM, user_id=user, _is_workspace_admin=(user == LOCAL_ADMIN))


def run_line(services, actor: Actor, channel: str, messenger, line: str) -> None:
    """One line typed in the shell, through the same dispatcher as Slack's `/consult`."""
    from handlers.commands import CommandRequest, dispatch

    if not line.startswith("/consult"):
        messenger.reply("Type a slash command, like /consult help.")
        return
    text = line[len("/consult") :].strip()
    dispatch(
        CommandRequest(actor=actor, channel_id=channel, text=text, services=services, out=messenger)
    )
