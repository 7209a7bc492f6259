"""Dates typed in a channel are read in its programme's timezone, whatever the server's."""

from freezegun import freeze_time

from bot.context import Actor
from bot.services.programmes import setup_programme
from handlers.commands import CommandRequest, dispatch

ADMIN = Actor(team_id="T1", user_id="UADMIN", _is_workspace_admin=True)


class Replies:
    def __init__(self):
        self.replies: list[str] = []

    def reply(self, text, blocks=None):
        self.replies.append(text)

    def post(self, channel, text, blocks=None, **kwargs):
        return "1.0"


def run(services, text: str) -> str:
    out = Replies()
    dispatch(CommandRequest(ADMIN, "C_NZ", text, services, out))
    return out.replies[-1]


def test_a_deadline_for_today_is_today_in_the_programmes_timezone(services):
    setup_programme(ADMIN, "C_NZ", "Canterbury", services.new_uow(), timezone="Pacific/Auckland")
    # 12:00 on Tuesday 20 January in London is 01:00 on Wednesday 21 January in Auckland.
    with freeze_time("2015-01-20 12:00:00"):
        reply = run(services, 'deadline add "Locality plans" today')
        assert "Added deadline" in reply and "Wed 21 Jan 2015" in reply
        reply = run(services, 'deadline add "LMC reply" tomorrow')
        assert "Thu 22 Jan 2015" in reply
        with services.new_uow() as uow:
            due = sorted(d.due_on.isoformat() for d in uow.deadlines.list(1))
    assert due == ["2015-01-21", "2015-01-22"]
