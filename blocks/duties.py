"""Text for duty reminders."""

from __future__ import annotations

from bot.dates import format_date
from bot.duties import days_word, due_qualifiers
from bot.rendering import esc


def reminder_text(duty, evidence: int, today, late_since: str | None) -> str:
    head = f"*Duty reminder:* *{duty.id}* {esc(duty.title)}" + (
        f" _{esc(duty.statute)}_" if duty.statute else ""
    )
    if late_since:
        head = f"(Late: this reminder was due {late_since}) " + head
    qualifiers = due_qualifiers(duty, brief=True)
    facts = [
        f"Due {format_date(duty.due_on)} ({days_word(duty.due_on, today)})"
        + (f" _({'; '.join(qualifiers)})_" if qualifiers else ""),
        f"owner <@{duty.owner_id}>" if duty.owner_id else "no owner yet",
        f"{evidence} evidence" if evidence else "no evidence yet",
    ]
    return "\n".join(
        [
            head,
            " · ".join(facts),
            f"When it is done: `/consult duty done {duty.id} --evidence <link or engagement number>`",
        ]
    )
