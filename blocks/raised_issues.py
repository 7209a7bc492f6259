"""Text and Block Kit for the issues raised: lists, replies, and suggestion buttons.

Pure builders: values in, text or dicts out; tested without Slack.
"""

from __future__ import annotations

from bot.dates import format_date
from bot.raised_issues import NOT_TAKEN_FORWARD, OPEN, STATE_LABELS
from bot.rendering import esc
from bot.stakeholder_types import TYPE_LABELS

from .kit import actions, button, section

CONFIRM_ACTION = "raised_issue_confirm"
IGNORE_ACTION = "raised_issue_ignore"
LIST_LIMIT = 40
STATE_MARK = {"open": "⬜", "responded": "💬", "plan-changed": "✅", "not-taken-forward": "➖"}

__all__ = ["esc"]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def raised_line(issue) -> str:
    if not issue.stakeholders:
        return "not raised yet"
    text = f"raised by {_plural(issue.stakeholders, 'stakeholder')} in {_plural(issue.engagements, 'engagement')}"
    if issue.first_raised_on:
        text += f", {format_date(issue.first_raised_on)}"
        if issue.last_raised_on and issue.last_raised_on != issue.first_raised_on:
            text += f" to {format_date(issue.last_raised_on)}"
    return text


def state_line(issue) -> str:
    label = STATE_LABELS.get(issue.state, issue.state)
    if issue.state == OPEN and not issue.response:
        return "no response yet"
    text = label
    if issue.responded_on:
        text += f" {format_date(issue.responded_on)}"
    if issue.response_owner:
        text += f" by <@{issue.response_owner}>"
    return text


def issue_line(issue) -> str:
    return (
        f"{STATE_MARK.get(issue.state, '⬜')} *#{issue.id} {esc(issue.name)}*: "
        f"{raised_line(issue)}; {state_line(issue)}"
    )


def issues_text(programme, issues, limit: int = LIST_LIMIT) -> str:
    if not issues:
        return (
            f"*Issues raised in {esc(programme.name)}*: none yet.\n"
            'Add one with `/consult issue add "<name>"`, then tag engagements with '
            '`--issue "<name>"`, in the form, or with a #hashtag of its name in the summary.'
        )
    lines = [f"*Issues raised in {esc(programme.name)}*, most raised first ({len(issues):,}):"]
    lines += [issue_line(i) for i in issues[:limit]]
    if len(issues) > limit:
        lines.append(f"…and {len(issues) - limit:,} more: `/consult export issues` has them all.")
    lines.append(
        '`/consult issue show <issue>` for one; `/consult issue respond <issue> "..."` to answer.'
    )
    return "\n".join(lines)


def hashtag(name: str) -> str:
    return "#" + "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def added_text(issue) -> str:
    return (
        f"Added issue *#{issue.id} {esc(issue.name)}*. Tag engagements with it: "
        f'`--issue "{esc(issue.name)}"` on `/consult engage`, in the form, or {hashtag(issue.name)} in the summary.'
    )


def renamed_text(issue, old: str) -> str:
    if old == issue.name:
        return f"Updated the description of issue *#{issue.id} {esc(issue.name)}*."
    return f"Renamed issue #{issue.id} from {esc(old)!r} to *{esc(issue.name)}*; its tags are unchanged."


def merged_text(source, target, moved: int, carried: bool = False) -> str:
    text = (
        f"Merged issue #{source.id} *{esc(source.name)}* into *#{target.id} {esc(target.name)}*: "
        f"{_plural(moved, 'engagement')} moved over, every tag kept. "
        f"It is now {raised_line(target)}. #{source.id} now leads to #{target.id}."
    )
    if carried:
        text += (
            f"\n#{target.id} had no response, so it took #{source.id}'s "
            f"(*{STATE_LABELS.get(target.state, target.state)}*): check it still fits, "
            f'or change it with `/consult issue respond {target.id} "..."`.'
        )
    return text


def responded_text(issue) -> str:
    text = f"Issue *#{issue.id} {esc(issue.name)}* is now *{STATE_LABELS.get(issue.state, issue.state)}*"
    text += f" ({format_date(issue.responded_on)}, owner <@{issue.response_owner}>)."
    if issue.response:
        text += f"\nWhat we did: {esc(issue.response)}"
    if issue.state == NOT_TAKEN_FORWARD and issue.reason:
        text += f"\nWhy not: {esc(issue.reason)}"
    return text


def issue_text(issue, latest) -> str:
    lines = [f"*#{issue.id} {esc(issue.name)}*: {raised_line(issue)}"]
    if issue.description:
        lines.append(esc(issue.description))
    lines.append(f"State: {state_line(issue)}")
    if issue.response:
        lines.append(f"What we did: {esc(issue.response)}")
    if issue.reason:
        lines.append(f"Why not taken forward: {esc(issue.reason)}")
    if latest:
        lines.append("Latest:")
        lines += [
            f"• #{eid} {format_date(on)}: {esc(summary[:200])}" for eid, on, summary in latest
        ]
    lines.append(
        f"Who raised it and who has not been asked: `/consult coverage --issue {issue.id}`"
    )
    return "\n".join(lines)


def tagged_text(engagement_id: int, issues) -> str:
    names = ", ".join(f"*{esc(i.name)}* (#{i.id})" for i in issues)
    return f"Tagged engagement #{engagement_id} with {names}."


# -- suggestions ------------------------------------------------------------------
def suggestion_value(programme_id: int, engagement_id: int, issue_id: int) -> str:
    return f"{programme_id}:{engagement_id}:{issue_id}"


def read_suggestion_value(value: str | None) -> tuple[int, int, int] | None:
    parts = (value or "").split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def suggestion_lines(engagement_id: int, suggestions) -> list[str]:
    lines = [f"It may have raised: (confirm with `/consult issue tag {engagement_id} <issue>`)"]
    for s in suggestions:
        lines.append(f"• #{s.issue_id} {esc(s.name)} (shares: {', '.join(s.shared[:5])})")
    return lines


def suggestion_blocks(programme_id: int, engagement_id: int, text: str, suggestions) -> list[dict]:
    """The reply with a button per suggested issue, and one to leave it untagged."""
    buttons = [
        button(
            f"{CONFIRM_ACTION}_{n}",
            f"Tag: {s.name}",
            suggestion_value(programme_id, engagement_id, s.issue_id),
        )
        for n, s in enumerate(suggestions[:4])
    ]
    buttons.append(button(IGNORE_ACTION, "Leave untagged", str(engagement_id)))
    return [section(text), actions(f"suggest_{engagement_id}", buttons)]


def suggestion_reply(
    programme_id: int, engagement_id: int, tagged, found
) -> tuple[str, list[dict] | None]:
    head = f"Engagement #{engagement_id}"
    if tagged:
        head += " is tagged with " + ", ".join(f"*{esc(i.name)}*" for i in tagged) + "."
    else:
        head += " is not tagged with any issue."
    if not found:
        return head + " No other issue shares its words.", None
    text = "\n".join([head] + suggestion_lines(engagement_id, found))
    return text, suggestion_blocks(programme_id, engagement_id, text, found)


def logged_issue_lines(logged) -> list[str]:
    """What a logged engagement's reply says about issues."""
    lines = []
    if logged.issues:
        lines.append("Issues: " + ", ".join(f"*{esc(i.name)}* (#{i.id})" for i in logged.issues))
    if logged.unknown_hashtags:
        tags = ", ".join("#" + esc(t) for t in logged.unknown_hashtags[:5])
        lines.append(
            f'{tags} matched no issue; add one with `/consult issue add "<name>"` '
            f"and tag it with `/consult issue tag {logged.engagement.id} <issue>`."
        )
    if not logged.issues and logged.suggestions:
        lines += suggestion_lines(logged.engagement.id, logged.suggestions)
    return lines


def issue_coverage_text(cov, limit: int = 40) -> str:
    """`/consult coverage --issue`: who raised it, who was heard since without raising it, who not asked."""
    issue = cov.issue
    lines = [
        f"*Coverage of issue #{issue.id} {esc(issue.name)}*: {raised_line(issue)}; {state_line(issue)}"
    ]
    if cov.raised:
        lines.append(f"\n*Raised it* ({len(cov.raised):,}):")
        for s, r in cov.raised[:limit]:
            label = esc(s.name) + (f" ({esc(s.code)})" if s.code else "")
            lines.append(
                f"• {label}, {TYPE_LABELS.get(s.type, s.type)}: {_plural(r.engagements, 'time')}, "
                f"last {format_date(r.last_raised_on)}"
            )
        if len(cov.raised) > limit:
            lines.append(f"• …and {len(cov.raised) - limit:,} more (`/consult export issues`)")
    since = (
        f"since it was first raised ({format_date(issue.first_raised_on)})"
        if issue.first_raised_on
        else "(nobody has raised it yet)"
    )
    lines.append(f"\n*Engaged {since} without raising it*: {len(cov.heard):,}")
    lines.append(f"*Not asked: not engaged {since}* ({len(cov.not_asked):,}), longest ago first:")
    for s, when in cov.not_asked[:limit]:
        label = esc(s.name) + (f" ({esc(s.code)})" if s.code else "")
        lines.append(
            f"• {label}: " + (f"last engaged {format_date(when)}" if when else "never engaged")
        )
    if len(cov.not_asked) > limit:
        lines.append(f"• …and {len(cov.not_asked) - limit:,} more")
    return "\n".join(lines)
