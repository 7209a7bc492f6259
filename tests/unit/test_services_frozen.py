"""Services are built once: a variant is a copy, so no part of the app changes another's."""

import dataclasses

import pytest

from app import bootstrap, with_slack
from bot.settings import Settings


def test_services_cannot_be_changed_after_they_are_built(tmp_path):
    services = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.messenger_for_team = lambda team: None  # type: ignore[misc]
    slack = with_slack(services)
    assert services.messenger_for_team is None and slack.messenger_for_team is not None
    assert slack.new_uow is services.new_uow and slack.sweeps_last_run is services.sweeps_last_run
    services.engine.dispose()
