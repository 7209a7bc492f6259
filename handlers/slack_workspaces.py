"""How scheduled work reaches a workspace: a messenger per team, with that team's bot token.

Its own module so that both app.py and `python app.py scheduler` (handlers/cli) can use it
without the command-line verbs importing the composition root.
"""

from __future__ import annotations

from bot.services.container import Services


def slack_messenger_factory(services: Services):
    """Jobs reach a workspace with its bot token."""
    from handlers.pipeline.client import make_client
    from handlers.slack_messenger import SlackMessenger

    clients = {}

    def for_team(team_id: str):
        token = services.settings.slack_bot_token
        token_lookup = services.token_for_team
        if token_lookup is not None:
            token = token_lookup(team_id)
        if token not in clients:
            clients[token] = make_client(services.settings, token)
        return SlackMessenger(clients[token])

    return for_team
