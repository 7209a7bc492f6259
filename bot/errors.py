"""Domain errors. The edge turns each into a clear ephemeral reply; nothing is changed."""

from __future__ import annotations


class ConsultError(Exception):
    """Something the user can put right. `usage` is shown under the message."""

    def __init__(self, message: str, usage: str | None = None):
        super().__init__(message)
        self.message = message
        self.usage = usage


class UsageError(ConsultError):
    """The command was not written the way it must be."""


class NotFound(ConsultError):
    pass


class Forbidden(ConsultError):
    """The asker lacks the role; the message says who can do it."""


class Conflict(ConsultError):
    """The change clashes with the current state (closed vote, duplicate code...)."""


class NoProgramme(ConsultError):
    """The channel has no programme yet."""


class WhichOne(UsageError):
    """A word that could mean several things; `options` are (what it would mean, the command
    that means it), offered as buttons in Slack and as a list in the shell."""

    def __init__(self, message: str, options: list[tuple[str, str]]):
        super().__init__(message)
        self.options = options
