from __future__ import annotations

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from storage.models import Programme, Role
from storage.models.slack import slack_installations


class ProgrammeRepository:
    def __init__(self, session: Session):
        self.session = session

    def create(self, **values: object) -> Programme:
        programme = Programme(**values)
        self.session.add(programme)
        self.session.flush()
        return programme

    def get(self, programme_id: int) -> Programme | None:
        return self.session.get(Programme, programme_id)

    def workspace_name(self, team_id: str) -> str | None:
        """The Slack workspace's name as its latest installation recorded it (the organisation
        a pack is written for), or None where Consult runs with a single token."""
        t = slack_installations
        return self.session.scalar(
            select(t.c.team_name)
            .where(t.c.team_id == team_id, t.c.team_name.is_not(None))
            .order_by(t.c.installed_at.desc(), t.c.id.desc())
            .limit(1)
        )

    def revision_by_channel(self, team_id: str, channel_id: str) -> Row[int, int, str] | None:
        """(id, revision, timezone) of the channel's programme, or None: one indexed read."""
        return self.session.execute(
            select(Programme.id, Programme.revision, Programme.timezone).where(
                Programme.team_id == team_id, Programme.channel_id == channel_id
            )
        ).one_or_none()

    def by_channel(self, team_id: str, channel_id: str) -> Programme | None:
        return self.session.scalar(
            select(Programme).where(
                Programme.team_id == team_id, Programme.channel_id == channel_id
            )
        )

    def by_name(self, team_id: str, name: str) -> Programme | None:
        return self.session.scalar(
            select(Programme).where(
                Programme.team_id == team_id, func.lower(Programme.name) == name.lower()
            )
        )

    def by_name_or_channel(self, name: str) -> list[Programme]:
        """For the command line, which has no team: every match, across teams."""
        return list(
            self.session.scalars(
                select(Programme).where(
                    (func.lower(Programme.name) == name.lower()) | (Programme.channel_id == name)
                )
            )
        )

    def all(self) -> list[Programme]:
        return list(self.session.scalars(select(Programme).order_by(Programme.id)))

    def for_team(self, team_id: str) -> list[Programme]:
        return list(
            self.session.scalars(
                select(Programme).where(Programme.team_id == team_id).order_by(Programme.name)
            )
        )

    def roles(self, programme_id: int) -> list[Role]:
        return list(
            self.session.scalars(
                select(Role).where(Role.programme_id == programme_id).order_by(Role.id)
            )
        )

    def roles_of(self, programme_id: int, user_id: str) -> set[str]:
        return set(
            self.session.scalars(
                select(Role.role).where(Role.programme_id == programme_id, Role.user_id == user_id)
            )
        )

    def add_role(self, **values: object) -> Role:
        role = Role(**values)
        self.session.add(role)
        self.session.flush()
        return role

    def remove_role(self, programme_id: int, user_id: str, role: str) -> bool:
        row = self.session.scalar(
            select(Role).where(
                Role.programme_id == programme_id, Role.user_id == user_id, Role.role == role
            )
        )
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    def programmes_of_user(self, team_id: str, user_id: str) -> list[Programme]:
        return list(
            self.session.scalars(
                select(Programme)
                .join(Role, Role.programme_id == Programme.id)
                .where(Programme.team_id == team_id, Role.user_id == user_id)
                .distinct()
            )
        )
