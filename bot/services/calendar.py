"""Calendar feeds: private addresses (tokens), and the feed each one serves.

Tokens. A token is 32 random bytes from `secrets` (43 URL-safe
characters). Only its sha256 is stored, so Consult itself cannot show an
address again after the reply that issued it. Hence:

- every `/consult calendar` issues the asker a *new* address of the
  programme's calendar; the asker's earlier addresses keep working, so a
  subscription made on one device survives asking again on another;
- `/consult calendar rotate` (admins) turns off every address of the
  programme's calendar at once and issues one new one; everyone else asks
  again for theirs;
- `/consult calendar mine` issues a personal address (the asker's own
  deadlines, actions and duties); `mine rotate` turns off the asker's
  earlier personal addresses;
- a person holds at most MAX_LIVE_PER_PERSON live addresses of each kind:
  asking for one more turns off their least recently used one (the reply
  says so), which bounds the table without ever refusing an address.

Lookup is by the token's hash (the unique index), then compared again in
constant time. An unknown, revoked or malformed token is simply "no feed".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .. import clock, programme_templates, reminders
from .. import duties as duty_rules
from ..calendar_feed import CalendarItem, FeedInfo, build_calendar
from ..context import Actor
from ..dates import format_date, local_to_utc
from ..errors import NotFound
from ..ports import UnitOfWork
from . import read_models
from .access import audit, programme_for, require_admin
from .directory import names_for

if TYPE_CHECKING:
    from sqlalchemy import Row

    from storage.models import Action, CalendarFeed, Deadline, Duty, Programme, Vote

# An item's audit entries: how many, and the latest (its SEQUENCE and LAST-MODIFIED).
Mark = tuple[int, datetime]

PROGRAMME = "programme"
PERSONAL = "personal"
TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
MAX_LIVE_PER_PERSON = 10
VOTE_EVENT_LENGTH = timedelta(minutes=15)
SUMMARY_LIMIT = 200
_FEED_FIELDS = ["id", "kind", "user_id", "created_by", "created_at", "revoked_at"]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: str) -> bool:
    return bool(_TOKEN_SHAPE.fullmatch(token or ""))


def addresses(public_base_url: str, token: str) -> tuple[str, str]:
    """The feed's http(s) address, and the same as webcal:// (which opens calendar apps)."""
    web = f"{public_base_url.rstrip('/')}/calendar/{token}.ics"
    return web, "webcal://" + web.split("://", 1)[1]


def page_address(public_base_url: str, token: str) -> str:
    """The feed's page for people: the same address without `.ics` (GET /calendar/<token>)."""
    return f"{public_base_url.rstrip('/')}/calendar/{token}"


def _feed_snapshot(feed: CalendarFeed) -> dict[str, object]:
    # Never the token's hash: the audit trail is readable by admins, feeds are not theirs.
    return {
        name: (v.isoformat() if isinstance(v, datetime) else v)
        for name, v in ((n, getattr(feed, n)) for n in _FEED_FIELDS)
    }


@dataclass
class IssuedFeed:
    programme_name: str
    feed_id: int
    kind: str
    web: str
    webcal: str
    page: str
    # Addresses turned off by this request: all earlier ones (rotate) or the asker's least used (cap).
    turned_off: list[FeedUsage] = field(default_factory=list)
    rotated: bool = False


def _issue(
    uow: UnitOfWork, actor: Actor, programme: Programme, kind: str
) -> tuple[CalendarFeed, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = uow.feeds.create(
        programme_id=programme.id,
        token_hash=hash_token(token),
        kind=kind,
        user_id=actor.user_id,
        created_by=actor.user_id,
        created_at=clock.now(),
        fetch_count=0,
    )
    audit(
        uow,
        actor,
        programme,
        "calendar.issue",
        "calendar_feed",
        feed.id,
        after=_feed_snapshot(feed),
    )
    return feed, token


def _least_used_first(feed: CalendarFeed) -> tuple[datetime, datetime, int]:
    never = datetime.min.replace(tzinfo=UTC)
    return (feed.last_fetched_at or never, feed.created_at, feed.id)


def issue_feed(
    actor: Actor, channel_id: str, uow: UnitOfWork, public_base_url: str, *, personal: bool = False
) -> IssuedFeed:
    """A new address of the programme's calendar (or of the asker's personal one)."""
    kind = PERSONAL if personal else PROGRAMME
    with uow:
        uow.feeds.flush_fetches()  # "least recently used" goes by the latest fetches
        programme = programme_for(uow, actor, channel_id)
        mine = uow.feeds.live(programme.id, kind, actor.user_id)
        turned_off = []
        if len(mine) >= MAX_LIVE_PER_PERSON:
            retire = sorted(mine, key=_least_used_first)[: len(mine) - MAX_LIVE_PER_PERSON + 1]
            uow.feeds.revoke([f.id for f in retire], clock.now())
            for f in retire:
                before = _feed_snapshot(f)
                audit(
                    uow,
                    actor,
                    programme,
                    "calendar.retire",
                    "calendar_feed",
                    f.id,
                    before=before,
                    after=before | {"revoked_at": clock.now().isoformat()},
                )
                turned_off.append(_usage(f))
        feed, token = _issue(uow, actor, programme, kind)
        uow.commit()
        web, webcal = addresses(public_base_url, token)
        page = page_address(public_base_url, token)
        return IssuedFeed(programme.name, feed.id, kind, web, webcal, page, turned_off)


def rotate_feed(
    actor: Actor, channel_id: str, uow: UnitOfWork, public_base_url: str, *, personal: bool = False
) -> IssuedFeed:
    """Turn off every earlier address (the programme's: admins only; personal: the asker's own)."""
    kind = PERSONAL if personal else PROGRAMME
    with uow:
        programme = programme_for(uow, actor, channel_id)
        if not personal:
            require_admin(uow, actor, programme, "replace the programme's calendar address")
        old = uow.feeds.live(programme.id, kind, actor.user_id if personal else None)
        now = clock.now()
        uow.feeds.revoke([f.id for f in old], now)
        audit(
            uow,
            actor,
            programme,
            "calendar.rotate",
            "calendar_feed",
            None,
            before={"kind": kind, "revoked": [f.id for f in old]},
            after={"revoked_at": now.isoformat()},
        )
        feed, token = _issue(uow, actor, programme, kind)
        uow.commit()
        web, webcal = addresses(public_base_url, token)
        return IssuedFeed(
            programme.name,
            feed.id,
            kind,
            web,
            webcal,
            page_address(public_base_url, token),
            [_usage(f) for f in old],
            rotated=True,
        )


@dataclass
class FeedUsage:
    feed_id: int
    kind: str
    user_id: str | None
    created_at: datetime
    last_fetched_at: datetime | None
    fetch_count: int


def _usage(feed: CalendarFeed) -> FeedUsage:
    return FeedUsage(
        feed.id,
        feed.kind,
        feed.user_id,
        feed.created_at,
        feed.last_fetched_at,
        feed.fetch_count or 0,
    )


def feed_status(
    actor: Actor, channel_id: str, uow: UnitOfWork
) -> tuple[Programme, list[FeedUsage]]:
    """Admins: every live address of the programme, with when it was last fetched. Returns (programme, [FeedUsage])."""
    with uow:
        uow.feeds.flush_fetches()  # this process's latest fetches, not yet written
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "see who subscribes to the calendar")
        return programme, [_usage(f) for f in uow.feeds.live(programme.id)]


@dataclass(frozen=True)
class SubscribePage:
    """What the page at a feed's address without `.ics` shows (how to subscribe to it)."""

    programme_name: str
    kind: str
    web: str
    webcal: str


def _live(feed: CalendarFeed | Row[*tuple[Any, ...]] | None, digest: str) -> bool:
    """Whether a feed found by a token's hash is a live address (compared in constant time)."""
    return (
        feed is not None
        and hmac.compare_digest(feed.token_hash, digest)
        and feed.revoked_at is None
    )


def subscribe_page(uow: UnitOfWork, token: str, public_base_url: str) -> SubscribePage | None:
    """The page behind a live address, or None for any token that is not one (as fetch_feed).

    Opening the page is not a fetch of the feed: it is not counted as one."""
    if not well_formed(token):
        return None
    digest = hash_token(token)
    with uow:
        feed = uow.feeds.by_token_hash(digest)
        if feed is None or not _live(feed, digest):
            return None
        programme = uow.programmes.get(feed.programme_id)
        if programme is None:
            return None
        web, webcal = addresses(public_base_url, token)
        return SubscribePage(programme.name, feed.kind, web, webcal)


# -- serving a feed -------------------------------------------------------------

# Raise when bot/calendar_feed.py changes what it writes for the same items, so
# that every subscriber's ETag changes and clients fetch the new bytes.
# 3: how to act on each; one CCG's own dates offered as suggestions; milestones' sources; who
# set a date.
FEED_FORMAT = 3


@dataclass(frozen=True)
class FeedCalendar:
    """What a feed shows at one change mark: data only, so one process's threads can share it."""

    info: FeedInfo
    items: tuple[CalendarItem, ...]

    @cached_property
    def body(self) -> bytes:
        return build_calendar(self.info, list(self.items))


class Rendered:
    """A feed at one change mark, as this process keeps it: its ETag and Last-Modified, and once
    first sent its bytes (never its items: bytes, not objects). Until then it may hold the
    calendar this process built, or nothing (the mark another process stored), read only when
    sent. Threads that race render the same bytes from the same data."""

    def __init__(
        self, etag: str, last_modified: datetime, calendar: FeedCalendar | None = None
    ) -> None:
        self.etag = etag
        self.last_modified = last_modified
        self._calendar = calendar
        self.bytes: bytes | None = None
        self.events: int | None = None

    @property
    def ready(self) -> bool:
        return self.bytes is not None

    def render(self, read: Callable[[], FeedCalendar] | None) -> bytes:
        body = self.bytes
        if body is None:
            calendar = self._calendar
            if calendar is None:
                assert read is not None, "a feed not yet rendered here has a way to read it"
                calendar = read()
            body = calendar.body
            self.events = len(calendar.items)
            self.bytes = body
            self._calendar = None
        return body


@dataclass(frozen=True)
class FeedBody:
    """One request's answer: what the feed is at its change mark (shared by the process), and
    how this request reads it if it was never rendered here."""

    feed_id: int
    kind: str
    rendered: Rendered = field(repr=False)
    read: Callable[[], FeedCalendar] | None = field(default=None, repr=False, compare=False)

    @property
    def etag(
        self,
    ) -> str:  # a fingerprint of what the calendar is made from: same inputs, same bytes
        return self.rendered.etag

    @property
    def last_modified(self) -> datetime:
        return self.rendered.last_modified

    @property
    def body(self) -> bytes:
        return self.rendered.render(self.read)

    @property
    def events(self) -> int:
        self.rendered.render(self.read)
        assert self.rendered.events is not None
        return self.rendered.events


def fingerprint(info: FeedInfo, items: list[CalendarItem]) -> str:
    return hashlib.sha256(repr((FEED_FORMAT, info, items)).encode()).hexdigest()


def fetch_feed(uow: UnitOfWork, token: str) -> FeedBody | None:
    """The calendar behind a token, or None for any token that is not a live address.

    The feed, its programme's revision and the directory's change mark
    (owners are shown by name): known to this process while it hears every
    commit's announcement (bot/services/read_models.py), so that a repeat
    fetch or a 304 runs no statement at all; otherwise read with one indexed
    statement. From those, the feed's change mark: when this process already
    has the feed at that mark, its ETag (and once sent, its bytes) are reused;
    when any process built it (the mark stored with the feed), the ETag is
    known and a 304 reads nothing more. Only a new mark reads the items, and
    writes the feed's new ETag once. The fetch itself is counted in memory
    (storage/feed_fetches.py).
    """
    if not well_formed(token):
        return None
    digest = hash_token(token)
    known = read_models.known_of(uow)
    cache = read_models.cache_of(uow)
    fact = ("feed", digest)

    def lookup() -> Any:
        ticket = known.ticket() if known is not None else None
        row = uow.feeds.lookup(digest)
        if row is not None and known is not None:
            known.put(ticket, fact, row, programmes=(row.programme_id,), teams=(row.team_id,))
        return row

    def read(programme_id: int, kind: str, user_id: str | None) -> Callable[[], FeedCalendar]:
        def read_now() -> FeedCalendar:
            with uow:
                programme = _programme(uow, programme_id)
                return FeedCalendar(*_as_data(feed_contents(uow, programme, kind, user_id)))

        return read_now

    with uow:
        feed = known.get(fact) if known is not None else None
        if feed is None:
            feed = lookup()
        if not _live(feed, digest):
            return None
        now = clock.now().replace(microsecond=0)
        uow.feeds.record_fetch(feed.id, now)
        mark = hashlib.sha256(
            repr((FEED_FORMAT, feed.revision, str(feed.people_mark))).encode()
        ).hexdigest()
        key = ("feed", feed.id)
        kept = cache.get(key, mark)
        if kept is not read_models.MISSING:
            reader = None if kept.ready else read(feed.programme_id, feed.kind, feed.user_id)
            return FeedBody(feed.id, feed.kind, kept, reader)
        # Not kept here at this mark: what the database says of the feed now (a known row's
        # stored ETag may be older than the database's).
        feed = lookup()
        if not _live(feed, digest):
            return None
        mark = hashlib.sha256(
            repr((FEED_FORMAT, feed.revision, str(feed.people_mark))).encode()
        ).hexdigest()
        if feed.content_etag and feed.content_mark == mark:
            # Another process (or this one, before a restart) built it at this mark: the ETag
            # is known, and only a fetch that is not answered 304 reads the items, with that
            # request's unit of work (this process keeps the bytes, never a unit of work).
            rendered = Rendered(feed.content_etag, feed.content_changed_at)
            cache.put(key, mark, rendered, feed.programme_id)
            return FeedBody(
                feed.id, feed.kind, rendered, read(feed.programme_id, feed.kind, feed.user_id)
            )
        programme = _programme(uow, feed.programme_id)
        info, items = feed_contents(uow, programme, feed.kind, feed.user_id)
        etag = fingerprint(info, items)
        changed_at = None
        if feed.content_etag != etag:
            latest = max((i.updated for i in items), default=feed.created_at).replace(microsecond=0)
            changed_at = min(latest, now)
            if feed.content_changed_at is not None:
                # Strictly later than the Last-Modified clients hold (HTTP dates count whole seconds),
                # even when the change left no newer item behind (a deleted or cancelled one).
                changed_at = max(changed_at, feed.content_changed_at + timedelta(seconds=1))
        uow.feeds.remember_content(feed.id, etag, mark, changed_at)
        uow.commit()
        rendered = Rendered(
            etag, changed_at or feed.content_changed_at, FeedCalendar(*_as_data((info, items)))
        )
        cache.put(key, mark, rendered, feed.programme_id)
        return FeedBody(feed.id, feed.kind, rendered)


def _as_data(
    contents: tuple[FeedInfo, list[CalendarItem]],
) -> tuple[FeedInfo, tuple[CalendarItem, ...]]:
    info, items = contents
    return info, tuple(items)


def _programme(uow: UnitOfWork, programme_id: int) -> Programme:
    programme = uow.programmes.get(programme_id)
    if programme is None:
        raise NotFound("That calendar's programme is gone.")
    return programme


def feed_contents(
    uow: UnitOfWork, programme: Programme, kind: str, user_id: str | None
) -> tuple[FeedInfo, list[CalendarItem]]:
    """What a feed shows, straight from the tables."""
    personal = kind == PERSONAL
    owner = user_id if personal else None
    if personal:
        assert user_id is not None, "a personal feed is its owner's"
        info = FeedInfo(
            f"{programme.name} (mine)",
            programme.team_id,
            programme.channel_id,
            programme.id,
            f"The deadlines, actions and duties that {names_for(uow, programme.team_id, [user_id])(user_id)} owns in {programme.name}, from Consult.",
        )
    else:
        info = FeedInfo(
            programme.name,
            programme.team_id,
            programme.channel_id,
            programme.id,
            f"Key dates, meetings and votes of {programme.name}, from Consult.",
        )
    owners = uow.feeds.deadline_owners(programme.id)
    marks = uow.feeds.change_marks(programme.id, ("vote", "duty", "action"))
    items = [
        _deadline_item(d, owners.get(d.id, []), programme.timezone)
        for d in uow.feeds.deadlines(programme.id, owner)
    ]
    if not personal:
        items += [
            _vote_item(v, marks.get(("vote", v.id)), programme.timezone)
            for v in uow.feeds.votes(programme.id)
        ]
    template = programme_templates.load_if_known(programme.template)
    items += [
        _duty_item(d, marks.get(("duty", d.id)), template)
        for d in uow.feeds.duties(programme.id, owner)
    ]
    if user_id is not None and personal:
        items += [
            _action_item(a, marks.get(("action", a.id)))
            for a in uow.feeds.actions(programme.id, user_id)
        ]
    names = names_for(uow, programme.team_id, {o for i in items for o in i.owners})
    return info, [replace(i, owner_names=names.all(i.owners)) if i.owners else i for i in items]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1].rstrip() + "…"


def _first_reminder(due_on: date, remind_days: tuple[int, ...]) -> date | None:
    days = reminders.reminder_days(due_on, remind_days)
    return days[0].on if days else None


def _all_day_alarm(due_on: date, remind_days: tuple[int, ...]) -> timedelta | None:
    """09:00 on the first reminder's day, relative to the start of the all-day event."""
    first = _first_reminder(due_on, remind_days)
    if first is None:
        return None
    return datetime.combine(first, time(9, 0)) - datetime.combine(due_on, time(0, 0))


def _stamp(updated: datetime | None, mark: Mark | None) -> tuple[datetime, int]:
    """(last change, revision) for items without their own revision counter."""
    count, at = mark if mark else (0, None)
    moments = [m for m in (updated, at) if m is not None]
    return max(moments), count


def _remind_text(days: tuple[int, ...]) -> str:
    before = [str(n) for n in days if n > 0]
    parts = []
    if before:
        counted = before[0] if len(before) == 1 else ", ".join(before[:-1]) + " and " + before[-1]
        parts.append(f"{counted} day{'s' if before != ['1'] else ''} before")
    if 0 in days:
        parts.append("on the day")
    return " and ".join(parts)


def _deadline_item(d: Deadline, owners: list[str], tz: str) -> CalendarItem:
    done = d.state == "done"
    remind_days = reminders.stored_remind_days(d.remind_days)
    details = []
    if d.kind == "meeting":
        label = "Meeting"
    else:
        label = "Deadline"
        details.append(
            f"Deadline: {format_date(d.due_on)}" + (f", by {d.due_time}" if d.due_time else "")
        )
    tentative = bool(getattr(d, "provisional", False)) and not done
    if tentative:
        details.append(
            f"Provisional: date to confirm. {duty_rules.provisional_why(d)} "
            f"Confirm it with `/consult deadline confirm {d.id}`."
        )
    if getattr(d, "source", None):
        details.append(f"{duty_rules.source_label(d)}: {d.source}")
    if getattr(d, "date_set", None) and d.date_set_at:
        on = d.date_set_at.astimezone(ZoneInfo(tz)).date()
        details.append(f"Date {d.date_set} in Consult on {format_date(on)}.")
    if done:
        details.append(f"This {label.lower()} is done.")
    if d.notes:
        details.append(d.notes)
    if remind_days and not done:
        details.append(f"Consult reminds the channel {_remind_text(remind_days)}.")
    if not done:
        details.append(_act_on(d))
    details.append(f"Consult #{d.id}")
    title = _short(d.title) if d.kind == "meeting" else _short(f"Deadline: {d.title}")
    if tentative:
        title = _short(f"Deadline (provisional): {d.title}")
    if done:
        title = _short(f"Done: {d.title}")
    common: dict[str, Any] = dict(
        kind=d.kind,
        item_id=d.id,
        title=title,
        updated=d.updated_at or d.created_at,
        sequence=d.sequence or 0,
        place=d.place,
        details=tuple(details),
        owners=tuple(owners),
        tentative=tentative,
    )
    if d.kind == "meeting" and d.due_time:
        start = local_to_utc(d.due_on, d.due_time, tz)
        end = local_to_utc(d.due_on, d.end_time, tz) if d.end_time else None
        first = None if done else _first_reminder(d.due_on, remind_days)
        alarm = reminders.reminder_time(first, tz) - start if first else None
        return CalendarItem(start=start, end=end, alarm=alarm, busy=True, **common)
    return CalendarItem(
        day=d.due_on, alarm=None if done else _all_day_alarm(d.due_on, remind_days), **common
    )


def _act_on(d: Deadline) -> str:
    """What to type in the programme's channel to act on a deadline or meeting from the calendar."""
    if d.kind == "meeting":
        return (
            f"To move it, type `/consult meeting move {d.id} <date> --time HH:MM` in the programme's "
            f"channel; to cancel it, `/consult meeting cancel {d.id}`."
        )
    return (
        f"When it is met, type `/consult deadline done {d.id}` in the programme's channel; "
        f"to move it, `/consult deadline move {d.id} <date>`."
    )


_RULES = {
    "simple": "simple majority",
    "absolute": "absolute majority of the electorate",
    "two-thirds": "two-thirds majority",
}


def _vote_item(v: Vote, mark: Mark | None, tz: str) -> CalendarItem:
    closed = v.state == "closed"
    at = v.closed_at if closed and v.closed_at else v.closes_at
    updated, sequence = _stamp(v.closed_at or v.opened_at, mark)
    details = [
        v.question,
        f"Member practice vote; carried by a {_RULES.get(v.rule, v.rule)}"
        + (f", quorum {v.quorum_percent}%" if v.quorum_percent else "")
        + (", weighted by list size" if v.weighted else "")
        + ".",
    ]
    if v.group_name:
        details.append(f"Electorate: practices of {v.group_name}.")
    details.append(
        "The vote has closed; the result is in the channel."
        if closed
        else "To vote: the For, Against and Abstain buttons on the vote message in the channel, "
        "or type `/consult vote cast for|against|abstain` there; `/consult vote tally` shows how it stands."
    )
    details.append(f"Consult vote #{v.id}")
    title = _short(("Vote closed: " if closed else "Vote closes: ") + v.question)
    return CalendarItem(
        kind="vote",
        item_id=v.id,
        title=title,
        updated=updated,
        sequence=sequence,
        start=at,
        end=at + VOTE_EVENT_LENGTH,
        details=tuple(details),
    )


def _duty_item(
    d: Duty, mark: Mark | None, template: programme_templates.Template | None = None
) -> CalendarItem:
    updated, sequence = _stamp(d.updated_at or d.created_at, mark)
    details = [d.title, duty_rules.basis(d, template)]
    if d.source:
        details.append(f"Source: {d.source}")
    qualifiers = duty_rules.due_qualifiers(d)
    if qualifiers:
        details.append("Due date: " + "; ".join(qualifiers) + ".")
    details.append(
        f"When it is done, type `/consult duty done {d.id} --evidence <link or engagement id>` "
        "in the programme's channel."
    )
    tentative = bool(getattr(d, "provisional", False))
    return CalendarItem(
        kind="duty",
        item_id=d.id,
        tentative=tentative,
        title=_short(f"Duty{' (provisional)' if tentative else ''}: {d.title}"),
        updated=updated,
        sequence=sequence,
        day=d.due_on,
        details=tuple(details),
        owners=(d.owner_id,) if d.owner_id else (),
    )


def _action_item(a: Action, mark: Mark | None) -> CalendarItem:
    updated, sequence = _stamp(a.created_at, mark)
    return CalendarItem(
        kind="action",
        item_id=a.id,
        title=_short(f"Action: {a.title}"),
        updated=updated,
        sequence=sequence,
        day=a.due_on,
        details=(
            a.title,
            f"When it is done, type `/consult action done {a.id}` in the programme's channel.",
            f"Consult action #{a.id}",
        ),
        owners=(a.owner_id,),
        alarm=_all_day_alarm(a.due_on, reminders.ACTION_REMIND_DAYS) if a.due_on else None,
    )
