"""Every table, on one metadata. Migrations are the only way they reach a database."""

from .base import Base, UTCDateTime, utcnow
from .calendar import CalendarFeed
from .deadline import Deadline, DeadlineOwner, ReminderSnooze
from .delivery import Delivery
from .digest import DigestFollow, PersonalDigest
from .duty import Duty, DutyEvidence
from .engagement import Action, Engagement, EngagementStakeholder
from .person import Person
from .programme import AuditEvent, Programme, PurgeLog, Role, Stakeholder
from .raised_issue import EngagementRaisedIssue, RaisedIssue, RaisedIssueStakeholder
from .slack import SlackEvent, SlackRequest, slack_bots, slack_installations, slack_oauth_states
from .vote import AggregateTally, Ballot, BallotHistory, Elector, Vote

__all__ = [
    "Base",
    "UTCDateTime",
    "utcnow",
    "Programme",
    "Role",
    "Stakeholder",
    "AuditEvent",
    "PurgeLog",
    "Engagement",
    "EngagementStakeholder",
    "Action",
    "RaisedIssue",
    "EngagementRaisedIssue",
    "RaisedIssueStakeholder",
    "Person",
    "Deadline",
    "DeadlineOwner",
    "ReminderSnooze",
    "Delivery",
    "Vote",
    "Elector",
    "Ballot",
    "BallotHistory",
    "AggregateTally",
    "CalendarFeed",
    "Duty",
    "DutyEvidence",
    "DigestFollow",
    "PersonalDigest",
    "SlackEvent",
    "SlackRequest",
    "slack_installations",
    "slack_bots",
    "slack_oauth_states",
]
