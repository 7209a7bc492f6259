"""Commands through the same dispatcher as Slack and the local shell, with what a person reads.

`Session(services).run("duties")` runs `/consult duties` as the local admin and returns
everything Consult said back (replies, channel posts and direct messages) as the shell
prints it; `session.files` keeps what was uploaded (the evidence pack).
"""

from __future__ import annotations

import io

from handlers.commands import CommandRequest, dispatch
from handlers.console import LOCAL_ADMIN, ConsoleMessenger, shell_actor


class _Messenger(ConsoleMessenger):
    def __init__(self, session: Session):
        super().__init__(io.StringIO())
        self.session = session

    def upload(self, user, filename, content, title, comment) -> None:
        self.session.files[filename] = content
        self._print(f"[DM to @{user}] ", comment, None)


class Session:
    def __init__(self, services, user: str = LOCAL_ADMIN, channel: str = "C1"):
        self.services = services
        self.channel = channel
        self.actor = shell_actor(user)
        self.files: dict[str, bytes] = {}

    def run(self, text: str) -> str:
        out = _Messenger(self)
        dispatch(CommandRequest(self.actor, self.channel, text, self.services, out))
        said = out.out.getvalue()
        assert "something went wrong" not in said, said
        return said

    def pack(self) -> str:
        """The evidence pack's HTML, made with `/consult evidence` as an admin."""
        self.files.clear()
        said = self.run("evidence")
        assert "sent you the evidence pack" in said, said
        [html] = self.files.values()
        return html.decode("utf-8")
