"""Who may do what in a programme (pure rules, no storage)."""

from __future__ import annotations

ADMIN = "admin"
RETURNING_OFFICER = "returning-officer"


def is_admin(roles: set[str], workspace_admin: bool) -> bool:
    return workspace_admin or ADMIN in roles


def is_returning_officer_only(roles: set[str]) -> bool:
    return RETURNING_OFFICER in roles
