"""The port through which the core talks to people: Slack, or the local shell."""

from __future__ import annotations

from typing import Any, Protocol

# A Block Kit block, view or message metadata: Slack's JSON, open-ended by design.
Block = dict[str, Any]


class Messenger(Protocol):
    def reply(
        self,
        text: str,
        blocks: list[Block] | None = None,
        fallback_blocks: list[Block] | None = None,
    ) -> None:
        """Ephemeral, to the person who asked; `fallback_blocks` if Slack refuses `blocks`."""

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[Block] | None = None,
        *,
        thread_ts: str | None = None,
        metadata: Block | None = None,
    ) -> str | None:
        """To a channel, for the whole team; returns the message's ts."""

    def dm(
        self,
        user: str,
        text: str,
        blocks: list[Block] | None = None,
        *,
        metadata: Block | None = None,
    ) -> str | None:
        """A direct message from the bot."""

    def update(self, channel: str, ts: str, text: str, blocks: list[Block] | None = None) -> None:
        """Replace a message the bot posted earlier (e.g. a vote's buttons once it closes)."""

    def open_modal(self, view: Block) -> None:
        """Open a form for the asker (needs the request's trigger)."""

    def upload(self, user: str, filename: str, content: bytes, title: str, comment: str) -> None:
        """A file, delivered privately to `user`."""

    def upload_image(self, filename: str, content: bytes, title: str, alt: str) -> str:
        """An image shared nowhere yet, to show in an image block; returns its file id."""

    def fetch_files(self, channel: str, names: list[str]) -> list[tuple[str, bytes]]:
        """Files people shared in the channel (by name, or the latest CSVs), as (name, content)."""
