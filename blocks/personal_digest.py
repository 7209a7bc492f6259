"""Block Kit for a person's own digest (a DM) and its switch on the Home tab."""

from __future__ import annotations

from .kit import (
    MAX_BLOCKS,
    MAX_FALLBACK,
    actions,
    button,
    context,
    header,
    one_line,
    section,
    section_chunks,
)

SECTIONS = (
    ("actions", "Your open actions"),
    ("deadlines", "Deadlines and meetings you own, in the next two weeks"),
    ("duties", "Duties you own, in the next two weeks"),
    ("votes", "Votes you can still cast"),
    ("issues", "Issues whose response you own"),
)
# For the notification line: (one, many) of each section's items.
COUNTED = {
    "actions": ("open action", "open actions"),
    "deadlines": ("deadline or meeting", "deadlines and meetings"),
    "duties": ("duty", "duties"),
    "votes": ("vote to cast", "votes to cast"),
    "issues": ("issue to answer", "issues to answer"),
}
PER_SECTION = 25


def _section_text(title: str, lines, several_programmes: bool) -> str:
    out = [f"*{title}* ({len(lines)})"]
    for line in lines[:PER_SECTION]:
        where = f" _{line.programme}_" if several_programmes else ""
        out.append(f"• {line.text}{where}")
    if len(lines) > PER_SECTION:
        out.append(f"• …and {len(lines) - PER_SECTION} more")
    return "\n".join(out)


def personal_digest_message(d, frequency: str, late: bool = False) -> tuple[str, list[dict]]:
    """(notification text, blocks) of a person's digest; the caller sends nothing when it is empty."""
    programmes = {line.programme for name, _ in SECTIONS for line in getattr(d, name)}
    several = len(programmes) > 1
    title = "Your daily digest" if frequency == "daily" else "Your weekly digest"
    counts = [
        f"{len(getattr(d, name))} {COUNTED[name][len(getattr(d, name)) != 1]}"
        for name, _ in SECTIONS
        if getattr(d, name)
    ]
    text = one_line(f"{title}: " + "; ".join(counts), MAX_FALLBACK)
    blocks = [header(title)]
    if not several and programmes:
        blocks.append(context(f"{next(iter(programmes))}"))
    for name, label in SECTIONS:
        lines = getattr(d, name)
        if lines:
            blocks += [
                section(chunk) for chunk in section_chunks(_section_text(label, lines, several))
            ]
    notes = (
        "Change it with `/consult digest me daily|weekly [<day>]|off`, or on Consult's Home tab."
    )
    if late:
        notes = "Sent late: Consult was not running at 09:00. " + notes
    blocks = blocks[: MAX_BLOCKS - 1] + [context(notes)]
    return text, blocks


def home_switch(setting) -> list[dict]:
    """The Home tab's block: the person's digest setting and buttons that change it."""
    chosen = setting.frequency
    words = {
        "off": "Your own digest is *off*.",
        "daily": "Your own digest comes *every working day at 09:00*, as a direct message.",
        "weekly": f"Your own digest comes *{setting.describe()}*, as a direct message.",
    }[chosen]
    buttons = [
        button("personal_digest_daily", "Daily", "daily", "primary" if chosen == "daily" else None),
        button(
            "personal_digest_weekly", "Weekly", "weekly", "primary" if chosen == "weekly" else None
        ),
        button("personal_digest_off", "Off", "off", "primary" if chosen == "off" else None),
    ]
    return [
        section(
            words + " It lists your open actions, the deadlines and duties you own in the next two "
            "weeks, the votes you can still cast and the issues you own (nothing is sent when "
            "there is nothing)."
        ),
        actions("personal_digest", buttons),
    ]
