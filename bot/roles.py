"""Who may do what in a programme (pure rules, no storage)."""

from __future__ import annotations

ADMIN = "admin"
RETURNING_OFFICER = "returning-officer"
ROLES = (ADMIN, RETURNING_OFFICER)


def is_admin(roles: set[str], workspace_admin: bool) -> bool:
    return workspace_admin or ADMIN in roles


def is_returning_officer(roles: set[str], workspace_admin: bool) -> bool:
    # Admins appoint returning officers, so they may act as one.
    return is_returning_officer_only(roles) or is_admin(roles, workspace_admin)


def is_returning_officer_only(roles: set[str]) -> bool:
    return RETURNING_OFFICER in roles
