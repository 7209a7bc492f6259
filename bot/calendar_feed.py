"""The calendar feed: programme items in, RFC 5545 bytes out.

Pure: no database, no clock. The same items always give the same bytes,
so a feed's ETag changes only when what it shows changes. Outlook is the
client that matters most, so:
- all-day items are DATE values with an exclusive DTEND the next day;
- timed items are written in UTC (no VTIMEZONE for Outlook to misread);
- no METHOD, so clients treat the file as a published calendar, not an
  invitation to reply to;
- each item's UID is made from what it is (team, programme, kind, id),
  never random, so a refresh updates events instead of duplicating them;
- owners are named (ORGANIZER and ATTENDEE with CN, and the description),
  since a calendar cannot render a Slack mention; their address opens Slack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from icalendar import Alarm, Calendar, Event, vCalAddress

PRODID = "-//Consult//Programme calendar feed//EN"
REFRESH = timedelta(hours=1)
TIMED_DEFAULT_LENGTH = timedelta(hours=1)


@dataclass(frozen=True)
class FeedInfo:
    """Which calendar this is: its name, and where its programme lives in Slack."""

    name: str
    team_id: str
    channel_id: str
    programme_id: int
    description: str = ""


@dataclass(frozen=True)
class CalendarItem:
    """One event. Either `day` (all-day) or `start`/`end` (aware, any zone) is set.

    `updated` is when the item itself last changed; it is written as DTSTAMP
    and LAST-MODIFIED. `alarm` is relative to the start (negative = before).
    """

    kind: str  # deadline | meeting | vote | duty | action
    item_id: int
    title: str
    updated: datetime
    sequence: int = 0
    day: date | None = None
    start: datetime | None = None
    end: datetime | None = None
    place: str | None = None
    details: tuple[str, ...] = field(default_factory=tuple)
    owners: tuple[str, ...] = field(default_factory=tuple)  # Slack user ids
    owner_names: tuple[str, ...] = field(default_factory=tuple)  # the same people, named
    alarm: timedelta | None = None
    busy: bool = False
    # A provisional date (no source gives it; an admin has not confirmed it): STATUS:TENTATIVE.
    tentative: bool = False

    def __post_init__(self) -> None:
        if (self.day is None) == (self.start is None):
            raise ValueError("a calendar item is either all-day (day) or timed (start)")
        if self.start is not None and self.start.tzinfo is None:
            raise ValueError("timed calendar items need aware datetimes")
        if self.updated.tzinfo is None:
            raise ValueError("`updated` must be an aware datetime")


def channel_link(team_id: str, channel_id: str) -> str:
    """A link that opens the programme's channel in the Slack app (or browser)."""
    return "https://slack.com/app_redirect?" + urlencode({"channel": channel_id, "team": team_id})


def item_uid(info: FeedInfo, kind: str, item_id: int) -> str:
    """Never changes for the same item: the same in every fetch, process and feed."""
    return f"consult-{info.team_id}-p{info.programme_id}-{kind}-{item_id}@consult".lower()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _owner(user: str) -> str:
    return user if user.startswith("@") else "@" + user


def _owner_labels(item: CalendarItem) -> list[str]:
    if len(item.owner_names) == len(item.owners):
        return list(item.owner_names)
    return [_owner(o) for o in item.owners]


def _person(info: FeedInfo, user_id: str, name: str, organizer: bool = False) -> vCalAddress:
    """A person as a calendar address: their name, and a link that opens Slack with them."""
    address = vCalAddress(
        "https://slack.com/app_redirect?" + urlencode({"team": info.team_id, "channel": user_id})
    )
    address.params["cn"] = name
    if not organizer:
        address.params["cutype"] = "INDIVIDUAL"
        address.params["role"] = "REQ-PARTICIPANT"
        address.params["partstat"] = "ACCEPTED"
    return address


def _description(info: FeedInfo, item: CalendarItem, link: str) -> str:
    lines = list(item.details)
    if item.owners:
        label = "Owner" if len(item.owners) == 1 else "Owners"
        lines.append(f"{label}: " + ", ".join(_owner_labels(item)))
    lines.append(f"Programme: {info.name}")
    lines.append(f"In Slack: {link}")
    return "\n".join(lines)


def _event(info: FeedInfo, item: CalendarItem, link: str) -> Event:
    ev = Event()
    ev.add("uid", item_uid(info, item.kind, item.item_id))
    stamp = _utc(item.updated)
    ev.add("dtstamp", stamp)
    ev.add("last-modified", stamp)
    ev.add("sequence", max(0, int(item.sequence)))
    ev.add("summary", item.title)
    if item.day is not None:
        ev.add("dtstart", item.day)
        ev.add("dtend", item.day + timedelta(days=1))
        # Deadlines mark a day; they should not show the whole day as busy.
        ev.add("x-microsoft-cdo-alldayevent", "TRUE")
    else:
        assert item.start is not None  # __post_init__: an item is all-day or timed
        start = _utc(item.start)
        end = (
            _utc(item.end)
            if item.end is not None and item.end > item.start
            else start + TIMED_DEFAULT_LENGTH
        )
        ev.add("dtstart", start)
        ev.add("dtend", end)
    ev.add("transp", "OPAQUE" if item.busy else "TRANSPARENT")
    ev.add("x-microsoft-cdo-busystatus", "BUSY" if item.busy else "FREE")
    ev.add("status", "TENTATIVE" if item.tentative else "CONFIRMED")
    ev.add("categories", [item.kind.capitalize()])
    if item.place:
        ev.add("location", item.place)
    ev.add("description", _description(info, item, link))
    if item.owners:
        names = _owner_labels(item)
        ev.add("organizer", _person(info, item.owners[0], names[0], organizer=True))
        for user_id, name in zip(item.owners, names):
            ev.add("attendee", _person(info, user_id, name))
    ev.add("url", link)
    if item.alarm is not None:
        alarm = Alarm()
        alarm.add("uid", item_uid(info, item.kind, item.item_id).replace("@", "-alarm@"))
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.title)
        alarm.add("trigger", item.alarm)
        ev.add_component(alarm)
    return ev


def _order(item: CalendarItem) -> tuple[datetime, str, int]:
    if item.start is not None:
        when = item.start.astimezone(UTC)
    else:
        assert item.day is not None  # __post_init__: an item is all-day or timed
        when = datetime.combine(item.day, datetime.min.time(), UTC)
    return (when, item.kind, item.item_id)


def build_calendar(info: FeedInfo, items: list[CalendarItem]) -> bytes:
    """The whole feed, CRLF-terminated lines folded at 75 octets, UTF-8."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", info.name)
    if info.description:
        cal.add("x-wr-caldesc", info.description)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    link = channel_link(info.team_id, info.channel_id)
    for item in sorted(items, key=_order):
        cal.add_component(_event(info, item, link))
    # cal.to_ical(), with its lines folded by fold() (icalendar folds a character at a time,
    # a third of a large feed's rendering): the same bytes.
    return b"\r\n".join(fold(line).encode() for line in cal.content_lines() if line) + b"\r\n"


FOLD_LIMIT = 75  # octets per line, the line break excluded (RFC 5545 section 3.1)
_ESCAPES = "\\^"  # an escaped character's backslash (or RFC 6868 caret) is not left at a line's end


def fold(line: str) -> str:
    """A content line folded exactly as icalendar folds it: a break (CRLF and a space) before the
    character that would bring the line to 75 octets, moved one character earlier when it
    would fall just after an escape character."""
    if len(line) < FOLD_LIMIT and (line.isascii() or len(line.encode()) < FOLD_LIMIT):
        return line  # most lines: nothing to fold
    if not line.isascii():
        return _fold_by_octets(line)
    parts: list[str] = []
    start, end, n = 0, FOLD_LIMIT - 1, len(line)
    while end < n:
        if end - start > 1 and line[end - 1] in _ESCAPES:
            end -= 1
        parts.append(line[start:end])
        # The carried character starts the next line: it counts as its first octet.
        start, end = end, end + FOLD_LIMIT - 1
    parts.append(line[start:])
    return "\r\n ".join(parts)


def _fold_by_octets(line: str) -> str:
    """fold() for lines with characters of several octets each (UTF-8)."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if current and size + width >= FOLD_LIMIT:
            if len(current) > 1 and current[-1] in _ESCAPES:
                carried = current.pop()
                parts.append("".join(current))
                current, size = [carried], len(carried.encode())
            else:
                parts.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    if current:
        parts.append("".join(current))
    return "\r\n ".join(parts)
