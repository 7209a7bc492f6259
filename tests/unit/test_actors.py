"""One way from a Slack payload to an Actor, whatever kind of payload it is."""

from types import SimpleNamespace

from handlers.actors import actor_from_payload


class Client:
    def __init__(self, admin: bool):
        self.admin, self.asked = admin, 0

    def users_info(self, user):
        self.asked += 1
        return {"user": {"id": user, "is_admin": self.admin}}


def test_each_kind_of_payload_names_the_person_and_the_workspace():
    slash = {"user_id": "U1", "team_id": "T1", "text": "help"}
    action = {"user": {"id": "U2", "team_id": "T2"}, "team": {"id": "T2"}}
    enterprise = {"user": {"id": "U3", "team_id": "T3"}, "team": None}
    event = {"user": "U4", "tab": "home"}
    context = SimpleNamespace(team_id="T4", user_id="U4")
    assert (actor_from_payload(slash).team_id, actor_from_payload(slash).user_id) == ("T1", "U1")
    assert (actor_from_payload(action).team_id, actor_from_payload(action).user_id) == ("T2", "U2")
    assert actor_from_payload(enterprise).team_id == "T3"
    got = actor_from_payload(event, context)
    assert (got.team_id, got.user_id) == ("T4", "U4")


def test_slack_is_asked_about_admins_only_when_a_permission_needs_it():
    client = Client(admin=True)
    actor = actor_from_payload({"user_id": "U1", "team_id": "T1"}, client=client)
    assert client.asked == 0
    assert actor.is_workspace_admin and client.asked == 1
    assert not actor_from_payload({"user_id": "U1", "team_id": "T1"}).is_workspace_admin
