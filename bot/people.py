"""People's names, where a Slack mention cannot render (a calendar, a printed pack, a CSV).

The directory is per workspace. A deactivated person is still shown, marked as
such; an id the directory does not know yet is shown as itself, noted as not yet looked up
(Consult looks up everyone it writes down, soon after); one that Slack's directory does not
have is noted as not in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

NOT_IN_DIRECTORY = "not in the workspace directory"
NOT_LOOKED_UP = "not yet looked up"
DEACTIVATED = "deactivated"


@dataclass(frozen=True)
class Person:
    user_id: str
    display_name: str | None = None
    real_name: str | None = None
    deleted: bool = False

    @property
    def name(self) -> str:
        """The name a board secretary would recognise: the full name, else the display name."""
        for candidate in (self.real_name, self.display_name):
            if candidate and candidate.strip():
                return " ".join(candidate.split())
        return self.user_id


def name_of(user_id: str, person: Person | None) -> str:
    if person is None:
        return f"{user_id} ({NOT_LOOKED_UP})"
    if not any(n and n.strip() for n in (person.real_name, person.display_name)):
        return f"{user_id} ({NOT_IN_DIRECTORY})"  # looked up: Slack's directory has no one by it
    if person.deleted:
        return f"{person.name} ({DEACTIVATED})"
    return person.name


class Names:
    """Names for the ids of one workspace, read once for a whole feed, pack or export."""

    def __init__(self, people: Mapping[str, Person] | None = None):
        self.people = dict(people or {})

    def __call__(self, user_id: str | None) -> str:
        if not user_id:
            return ""
        return name_of(user_id, self.people.get(user_id))

    def all(self, user_ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(self(u) for u in user_ids)
