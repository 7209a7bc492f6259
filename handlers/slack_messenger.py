"""The Messenger port over Slack's Web API (and a request's response_url)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk import WebClient

log = logging.getLogger("consult.slack")

MAX_UPLOAD_ALT = 1000  # files.getUploadURLExternal refuses a longer alt_txt
# Tier 2: about 20 calls a minute per workspace.
DIRECTORY_PAGE_SPACING_SECONDS = 3.0


class SlackMessenger:
    def __init__(
        self, client: WebClient, respond: Callable | None = None, trigger_id: str | None = None
    ):
        self.client = client
        self._respond = respond
        self.trigger_id = trigger_id

    def reply(
        self,
        text: str,
        blocks: list[dict] | None = None,
        fallback_blocks: list[dict] | None = None,
    ) -> None:
        if self._respond is None:
            raise RuntimeError("no request to reply to")
        resp = self._respond(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
        status = getattr(resp, "status_code", 200)
        if fallback_blocks is not None and status != 200:
            # response_url answers an error instead of raising (e.g. an image Slack cannot show
            # yet): the reply goes again in its text-only form rather than not at all.
            log.warning("reply refused (%s %s); sent without pictures", status, resp.body)
            self._respond(
                text=text, blocks=fallback_blocks, response_type="ephemeral", replace_original=False
            )

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict] | None = None,
        *,
        thread_ts: str | None = None,
        metadata: dict | None = None,
    ) -> str | None:
        resp = self.client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
        return resp.get("ts")

    def dm(
        self,
        user: str,
        text: str,
        blocks: list[dict] | None = None,
        *,
        metadata: dict | None = None,
    ) -> str | None:
        # Posting to a user id lands in the app's DM with them.
        resp = self.client.chat_postMessage(
            channel=user,
            text=text,
            blocks=blocks,
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
        return resp.get("ts")

    def find_delivery(self, channel: str, key: str, limit: int = 200) -> str | None:
        """The ts of a recent message in `channel` (or the DM with a user id) carrying this delivery key
        in its metadata, or None. Lets a restart settle a crash between posting and recording."""
        from bot.services.deliveries import METADATA_EVENT

        if channel[:1] in ("U", "W"):
            channel = self.client.conversations_open(users=channel)["channel"]["id"]
        resp = self.client.conversations_history(
            channel=channel, include_all_metadata=True, limit=limit
        )
        for message in resp.get("messages") or []:
            meta = message.get("metadata") or {}
            if (
                meta.get("event_type") == METADATA_EVENT
                and (meta.get("event_payload") or {}).get("key") == key
            ):
                return message.get("ts") or True
        return None

    def directory_pages(self, page_size: int = 200):
        """The workspace's people, a page of users.list at a time (as bot.people.Person).

        users.list is a Tier 2 method (about 20 calls a minute): pages are spaced
        to stay inside it, and slack_sdk's retry handler waits out a 429 as
        Retry-After says.
        """
        from handlers.people import person_from_slack

        cursor = None
        while True:
            resp = self.client.users_list(limit=page_size, cursor=cursor)
            yield [person_from_slack(u) for u in resp.get("members") or []]
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return
            time.sleep(DIRECTORY_PAGE_SPACING_SECONDS)

    def update(self, channel: str, ts: str, text: str, blocks: list[dict] | None = None) -> None:
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    def open_modal(self, view: dict) -> None:
        if not self.trigger_id:
            raise RuntimeError("no trigger to open a form with")
        self.client.views_open(trigger_id=self.trigger_id, view=view)

    def upload(self, user: str, filename: str, content: bytes, title: str, comment: str) -> None:
        channel = self.client.conversations_open(users=user)["channel"]["id"]
        self.client.files_upload_v2(
            channel=channel,
            filename=filename,
            content=content,
            title=title,
            initial_comment=comment,
        )

    def upload_image(self, filename: str, content: bytes, title: str, alt: str) -> str:
        # No channel: the file is the app's alone until a message (or a Home view) the app posts
        # shows it in an image block by its id; it never appears as a file share of its own.
        resp = self.client.files_upload_v2(
            filename=filename, content=content, title=title, alt_txt=alt[:MAX_UPLOAD_ALT]
        )
        found = resp.get("file") or (resp.get("files") or [{}])[0]
        return found["id"]

    def fetch_files(self, channel: str, names: list[str]) -> list[tuple[str, bytes]]:
        from bot.errors import UsageError

        listed = self.client.files_list(channel=channel, count=50).get("files", [])
        csvs = [f for f in listed if f.get("name", "").lower().endswith((".csv", ".txt"))]
        if names:
            wanted = {n.lower() for n in names}
            chosen = [f for f in csvs if f["name"].lower() in wanted]
            missing = wanted - {f["name"].lower() for f in chosen}
            if missing:
                raise UsageError(
                    f"I can't find {', '.join(sorted(missing))} among the CSV files shared in this channel. "
                    "Upload the file here first, then import it."
                )
        else:
            # Without names: the latest upload batch (files shared within a minute of the newest).
            csvs.sort(key=lambda f: f.get("created", 0), reverse=True)
            chosen = [
                f for f in csvs if csvs and csvs[0].get("created", 0) - f.get("created", 0) <= 60
            ]
            if not chosen:
                raise UsageError(
                    "There is no CSV file shared in this channel. Upload epraccur.csv, "
                    "gp-reg-pat-prac-all.csv or a code,name,list_size,group CSV here, then import."
                )
        return [(f["name"], self._download(f["url_private_download"])) for f in chosen]

    def _download(self, url: str) -> bytes:
        import urllib.request

        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self.client.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 (Slack's own file URL)
            return resp.read()
