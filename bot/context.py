"""Who is asking, and where."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Actor:
    team_id: str
    user_id: str
    # Asked of Slack only when a permission check needs it (users.info costs a call).
    _is_workspace_admin: Callable[[], bool] | bool = field(default=False, repr=False)

    @property
    def is_workspace_admin(self) -> bool:
        if callable(self._is_workspace_admin):
            self._is_workspace_admin = bool(self._is_workspace_admin())
        return self._is_workspace_admin
