"""Block Kit and text for the engagement log: the form (modal) and replies.

Pure builders: values in, dicts out; tested without Slack.
"""

from __future__ import annotations

import json
from datetime import date

from bot.coverage import KINDS, POSITIONS
from bot.dates import format_date
from bot.rendering import esc

from .kit import (
    MAX_OPTION_VALUE,
    MAX_OPTIONS,
    MAX_SECTION,
    MAX_TITLE,
    context,
    header,
    option,
    plain,
    section,
)
from .raised_issues import logged_issue_lines

FORM_CALLBACK = "engagement_form"
PICKER_ACTION = "stakeholders"
KIND_LABELS = {"board-paper": "Board paper"}
NO_POSITION = "none"
MAX_PREFILL = MAX_SECTION  # what the summary field takes, and what a message prefills it with


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.capitalize())


def stakeholder_label(s) -> str:
    return f"{s.name} ({s.code})" if s.code else s.name


def form_metadata(
    programme_ids: list[int], channel_id: str | None, source: str, permalink: str | None
) -> str:
    return json.dumps(
        {"p": programme_ids, "c": channel_id, "s": source, "l": permalink}, separators=(",", ":")
    )


def read_metadata(raw: str | None) -> dict:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        data = {}
    return {
        "p": [int(p) for p in data.get("p") or [] if str(p).isdigit()],
        "c": data.get("c"),
        "s": data.get("s") or "modal",
        "l": data.get("l"),
    }


def engagement_form(
    programmes: list,
    today: date,
    *,
    channel_id: str | None,
    source: str = "modal",
    summary: str = "",
    permalink: str | None = None,
    issues: dict[int, list] | None = None,
) -> dict:
    """The "Log engagement" modal. Block ids double as the field names errors are reported on.

    `issues`: {programme id: [issues]} for the multi-select of issues raised."""
    summary = summary[:MAX_PREFILL]
    blocks: list[dict] = []
    if len(programmes) > 1:
        blocks.append(
            context(
                "You are in several programmes: the stakeholder list shows each one's. "
                "Pick stakeholders of one."
            )
        )
    elif programmes:
        blocks.append(context(f"Programme: *{esc(programmes[0].name)}*"))
    blocks += [
        {
            "type": "input",
            "block_id": "stakeholders",
            "label": plain("Stakeholders"),
            "element": {
                "type": "multi_external_select",
                "action_id": PICKER_ACTION,
                "min_query_length": 0,
                "placeholder": plain("Type a code, a name or a group"),
            },
        },
        {
            "type": "input",
            "block_id": "kind",
            "label": plain("Kind"),
            "element": {
                "type": "static_select",
                "action_id": "kind",
                "options": [option(kind_label(k), k) for k in KINDS],
                **(
                    {"initial_option": option(kind_label("other"), "other")}
                    if source == "shortcut"
                    else {}
                ),
            },
        },
        {
            "type": "input",
            "block_id": "date",
            "label": plain("Date"),
            "element": {
                "type": "datepicker",
                "action_id": "date",
                "initial_date": today.isoformat(),
            },
        },
        {
            "type": "input",
            "block_id": "position",
            "label": plain("Their position"),
            "optional": True,
            "element": {
                "type": "static_select",
                "action_id": "position",
                "placeholder": plain("Not stated"),
                "options": [option(p.capitalize(), p) for p in POSITIONS]
                + [option("Not stated", NO_POSITION)],
            },
        },
        {
            "type": "input",
            "block_id": "summary",
            "label": plain("Summary"),
            "element": {
                "type": "plain_text_input",
                "action_id": "summary",
                "multiline": True,
                "max_length": MAX_PREFILL,
                **({"initial_value": summary} if summary else {}),
            },
        },
    ]
    if permalink:
        blocks.append(context(f"Source: <{permalink}|the message>"))
    blocks += issue_fields(programmes, issues or {})
    blocks += [
        header("Follow-up action (optional)"),
        {
            "type": "input",
            "block_id": "action_title",
            "label": plain("Action"),
            "optional": True,
            "element": {"type": "plain_text_input", "action_id": "action_title", "max_length": 500},
        },
        {
            "type": "input",
            "block_id": "action_owner",
            "label": plain("Owner"),
            "optional": True,
            "element": {"type": "users_select", "action_id": "action_owner"},
        },
        {
            "type": "input",
            "block_id": "action_due",
            "label": plain("Due"),
            "optional": True,
            "element": {"type": "datepicker", "action_id": "action_due"},
        },
    ]
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": plain("Log engagement", MAX_TITLE),
        "submit": plain("Log", MAX_TITLE),
        "close": plain("Cancel", MAX_TITLE),
        "private_metadata": form_metadata(
            [p.id for p in programmes], channel_id, source, permalink
        ),
        "blocks": blocks,
    }


def no_programme_view(text: str) -> dict:
    return {
        "type": "modal",
        "title": plain("Log engagement", MAX_TITLE),
        "close": plain("Close", MAX_TITLE),
        "blocks": [section(text)],
    }


def form_values(view: dict) -> dict:
    """What was entered in the form, by field name."""
    state = (view.get("state") or {}).get("values") or {}

    def element(block: str) -> dict:
        return next(iter((state.get(block) or {}).values()), {}) or {}

    picked = [o.get("value", "") for o in element("stakeholders").get("selected_options") or []]
    position = (element("position").get("selected_option") or {}).get("value")
    picked_issues = [o.get("value", "") for o in element("issues").get("selected_options") or []]
    return {
        "picked": picked,
        "issues": picked_issues,
        "new_issue": element("new_issue").get("value"),
        "kind": (element("kind").get("selected_option") or {}).get("value"),
        "date": element("date").get("selected_date"),
        "position": None if position in (None, NO_POSITION) else position,
        "summary": element("summary").get("value"),
        "action_title": element("action_title").get("value"),
        "action_owner": element("action_owner").get("selected_user"),
        "action_due": element("action_due").get("selected_date"),
    }


def picker_value(
    programme_id: int, stakeholder_id: int | None = None, group: str | None = None
) -> str:
    """Option values carry the programme, so one picker can span the asker's programmes."""
    if group is not None:
        return f"{programme_id}:g:{group}"[:MAX_OPTION_VALUE]  # a value is an id: cut, not clipped
    return f"{programme_id}:s:{stakeholder_id}"


def read_picked(values: list[str]) -> dict[int, tuple[list[int], list[str]]]:
    """{programme id: ([stakeholder ids], [groups])} from the picker's values."""
    out: dict[int, tuple[list[int], list[str]]] = {}
    for value in values:
        pid, _, rest = value.partition(":")
        what, _, ref = rest.partition(":")
        if not pid.isdigit():
            continue
        ids, groups = out.setdefault(int(pid), ([], []))
        if what == "s" and ref.isdigit():
            ids.append(int(ref))
        elif what == "g" and ref:
            groups.append(ref)
    return out


def picker_options(found: list) -> dict:
    """block_suggestion answer: options, or option groups (one per programme) when there are several."""

    def options(programme, stakeholders, groups):
        opts = [option(f"All of {g} ({n})", picker_value(programme.id, group=g)) for g, n in groups]
        opts += [
            option(stakeholder_label(s), picker_value(programme.id, s.id)) for s in stakeholders
        ]
        return opts[:MAX_OPTIONS]

    if len(found) == 1:
        return {"options": options(*found[0])}
    groups = [{"label": plain(p.name), "options": options(p, s, g)} for p, s, g in found]
    return {"option_groups": [g for g in groups if g["options"]][:MAX_OPTIONS]}


def logged_text(logged, edit_hint: bool = True) -> str:
    e = logged.engagement
    names = ", ".join(esc(stakeholder_label(s)) for s in logged.stakeholders[:10])
    if len(logged.stakeholders) > 10:
        names += f" and {len(logged.stakeholders) - 10:,} more"
    text = f"Logged engagement #{e.id}: {kind_label(e.kind).lower()} with {names} on {format_date(e.occurred_on)}"
    if e.position:
        text += f", position *{e.position}*"
    text += "."
    if logged.action is not None:
        a = logged.action
        text += (
            f"\nFollow-up action #{a.id} for <@{a.owner_id}>"
            + (f", due {format_date(a.due_on)}" if a.due_on else "")
            + "."
        )

    for line in logged_issue_lines(logged):
        text += "\n" + line
    if edit_hint:
        text += (
            f'\nTo change it: `/consult engagement edit {e.id} --summary "..."`; '
            f"to take it back: `/consult engagement withdraw {e.id}`."
        )
    return text


def engagement_text(programme, e, stakeholders, actions) -> str:
    lines = [
        f"*Engagement #{e.id}*"
        + (" (withdrawn)" if e.withdrawn_at else "")
        + f": {kind_label(e.kind).lower()} on {format_date(e.occurred_on)}"
    ]
    names = ", ".join(esc(stakeholder_label(s)) for s in stakeholders[:20])
    if len(stakeholders) > 20:
        names += f" and {len(stakeholders) - 20:,} more"
    lines.append(f"With: {names}")
    if e.position:
        lines.append(f"Position: {e.position}")
    lines.append(f"> {esc(e.summary)}".replace("\n", "\n> "))
    source = {
        "command": "the /consult command",
        "modal": "the form",
        "shortcut": "a message",
        "workflow": "a workflow",
    }.get(e.source, e.source)
    lines.append(
        f"Logged by <@{e.logged_by}> from {source}"
        + (f" (<{e.permalink}|source>)" if e.permalink else "")
    )
    for a in actions:
        lines.append(
            f"• Action #{a.id} ({a.state}): {esc(a.title)}, <@{a.owner_id}>"
            + (f", due {format_date(a.due_on)}" if a.due_on else "")
        )
    return "\n".join(lines)


def issue_fields(programmes: list, issues: dict[int, list]) -> list[dict]:
    """Issues raised: pick from the programme's list (grouped by programme when there are
    several), or name a new one, which is added to the list as the engagement is logged."""
    out: list[dict] = []
    names = {p.id: p.name for p in programmes}
    groups = [(pid, found[:100]) for pid, found in issues.items() if found and pid in names]
    if groups:
        element = {
            "type": "multi_static_select",
            "action_id": "issues",
            "placeholder": plain("Issues they raised"),
        }
        if len(groups) == 1:
            element["options"] = [
                option(i.name, issue_value(groups[0][0], i.id)) for i in groups[0][1]
            ]
        else:
            element["option_groups"] = [
                {
                    "label": plain(names[pid]),
                    "options": [option(i.name, issue_value(pid, i.id)) for i in found],
                }
                for pid, found in groups
            ][:100]
        out.append(
            {
                "type": "input",
                "block_id": "issues",
                "label": plain("Issues raised"),
                "optional": True,
                "element": element,
            }
        )
    out.append(
        {
            "type": "input",
            "block_id": "new_issue",
            "label": plain("A new issue raised"),
            "optional": True,
            "hint": plain(
                'Adds it to the programme\'s list of issues, e.g. "list-size funding"', 150
            ),
            "element": {"type": "plain_text_input", "action_id": "new_issue", "max_length": 80},
        }
    )
    return out


def issue_value(programme_id: int, issue_id: int) -> str:
    return f"{programme_id}:{issue_id}"


def read_issue_values(values: list[str]) -> dict[int, list[int]]:
    """{programme id: [issue ids]} from the multi-select's values."""
    out: dict[int, list[int]] = {}
    for value in values:
        pid, _, iid = value.partition(":")
        if pid.isdigit() and iid.isdigit():
            out.setdefault(int(pid), []).append(int(iid))
    return out
