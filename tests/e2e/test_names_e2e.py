"""A name that is also a group's or a type's: Slack asks which was meant, with a button each."""

from storage.models import Engagement, EngagementStakeholder, Stakeholder


def _setup(app):
    app.command('setup "Names"')
    for code, name in [
        ("A85001", "Priory Surgery"),
        ("A85002", "Battle Hill Health Centre"),
        ("A85003", "Wallsend Medical Group"),
    ]:
        app.command(f'stakeholder add practice "{name}" --code {code} --group Wallsend')


def _logged(app) -> list[set[str]]:
    """Each engagement's stakeholders, by code."""
    with app.services.new_uow() as uow:
        return [
            {
                code
                for (code,) in uow.session.query(Stakeholder.code)
                .join(EngagementStakeholder, EngagementStakeholder.stakeholder_id == Stakeholder.id)
                .filter(EngagementStakeholder.engagement_id == e.id)
            }
            for e in uow.session.query(Engagement).order_by(Engagement.id)
        ]


def test_a_name_that_is_also_a_group_asks_which_and_the_button_logs_it(sqlite_app, slack):
    _setup(sqlite_app)
    sqlite_app.command('engage Wallsend call "Spoke to the managers"')
    reply = slack.sent("response")[-1]
    assert "could mean more than one thing" in reply["text"]
    buttons = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    labels = [b["text"]["text"] for b in buttons]
    assert labels == [
        "the practice Wallsend Medical Group (A85003)",
        "the group Wallsend (3 stakeholders)",
    ]
    assert _logged(sqlite_app) == []  # nothing until the asker says which
    group = buttons[1]
    answered = len(slack.sent("response"))
    r = sqlite_app.interact(
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": "UADMIN", "team_id": "T1"},
            "api_app_id": "A1",
            "channel": {"id": "C1"},
            "response_url": slack.response_url("click"),
            "actions": [
                {"action_id": group["action_id"], "value": group["value"], "type": "button"}
            ],
        }
    )
    assert r.status == 200
    slack.wait_for("response", count=answered + 1)
    assert "Logged engagement #1" in slack.sent("response")[-1]["text"]
    assert _logged(sqlite_app) == [{"A85001", "A85002", "A85003"}]
