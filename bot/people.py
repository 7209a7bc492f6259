"""People's names, where a Slack mention cannot render (a calendar, a printed pack, a CSV).

The directory is per workspace. A deactivated person is still shown, marked as
such; an id the directory does not know is shown as itself, with a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

NOT_IN_DIRECTORY = "not in the workspace directory"
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
        return f"{user_id} ({NOT_IN_DIRECTORY})"
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
