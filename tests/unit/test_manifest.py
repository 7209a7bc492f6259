"""manifest.yml declares what the code listens for, with the scopes the code asks for, in the
shape Slack's published manifest schema (slackapi/manifest-schema, version 2) requires."""

import re
from pathlib import Path

import yaml

from handlers.oauth import SCOPES

MANIFEST_TEXT = (Path(__file__).resolve().parents[2] / "manifest.yml").read_text()
MANIFEST = yaml.safe_load(MANIFEST_TEXT)

# What the schema allows at the top level and under settings (no other keys are accepted).
TOP_LEVEL = {
    "_metadata",
    "display_information",
    "features",
    "oauth_config",
    "settings",
    "functions",
    "workflows",
    "datastores",
    "outgoing_domains",
    "types",
    "external_auth_providers",
    "app_directory",
}
SETTINGS = {
    "allowed_ip_address_ranges",
    "event_subscriptions",
    "incoming_webhooks",
    "interactivity",
    "org_deploy_enabled",
    "socket_mode_enabled",
    "is_hosted",
    "token_rotation_enabled",
    "siws_links",
    "hermes_app_type",
    "function_runtime",
}
EVENT_SUBSCRIPTIONS = {"request_url", "user_events", "bot_events", "metadata_subscriptions"}
FUNCTION_KEYS = {"title", "description", "input_parameters", "output_parameters"}


def test_manifest_scopes_are_the_code_scopes():
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == sorted(SCOPES)


def test_manifest_declares_command_shortcut_home_and_interactivity():
    features = MANIFEST["features"]
    assert [c["command"] for c in features["slash_commands"]] == ["/consult"]
    assert [s["callback_id"] for s in features["shortcuts"]] == ["log_engagement"]
    assert features["app_home"]["home_tab_enabled"] is True
    settings = MANIFEST["settings"]
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    # The directory of names: kept current by user_change, which needs users:read.
    assert "user_change" in settings["event_subscriptions"]["bot_events"]
    assert "users:read" in SCOPES
    code = (Path(__file__).resolve().parents[2] / "handlers/people.py").read_text()
    assert '@app.event("user_change")' in code
    assert settings["interactivity"]["is_enabled"] is True
    assert MANIFEST_TEXT.count("/slack/events") >= 4  # command, events, interactivity, options
    assert "/slack/oauth_redirect" in MANIFEST_TEXT


def test_manifest_has_the_schema_shape():
    # Version 2 is the schema version whose functions take {properties, required}.
    assert MANIFEST["_metadata"] == {"major_version": 2}
    assert set(MANIFEST) <= TOP_LEVEL and "display_information" in MANIFEST
    assert set(MANIFEST["settings"]) <= SETTINGS
    events = MANIFEST["settings"]["event_subscriptions"]
    assert set(events) <= EVENT_SUBSCRIPTIONS
    assert re.match(r"^https?://", events["request_url"])
    bot_events = events["bot_events"]
    assert len(bot_events) == len(set(bot_events)) and all(len(e) <= 50 for e in bot_events)
    assert isinstance(MANIFEST["settings"]["org_deploy_enabled"], bool)
    for name, function in MANIFEST["functions"].items():
        assert set(function) == FUNCTION_KEYS, name
        assert all(isinstance(function[k], str) for k in ("title", "description"))
        for side in ("input_parameters", "output_parameters"):
            params = function[side]
            assert set(params) <= {"properties", "required"} and "properties" in params
            for param in params["properties"].values():
                assert isinstance(param["type"], str)
                assert set(param) <= {
                    "type",
                    "title",
                    "description",
                    "is_required",
                    "is_hidden",
                    "hint",
                }
            assert set(params.get("required", [])) <= set(params["properties"])


def test_the_workflow_step_is_declared_as_the_code_reads_it():
    settings = MANIFEST["settings"]
    # Slack allows custom steps only in org-ready apps, and delivers them as function_executed.
    assert settings["org_deploy_enabled"] is True
    assert settings["function_runtime"] == "remote"
    assert "function_executed" in settings["event_subscriptions"]["bot_events"]
    step = MANIFEST["functions"]["log_engagement"]
    inputs = step["input_parameters"]
    assert set(inputs["properties"]) == {
        "channel",
        "stakeholders",
        "kind",
        "summary",
        "date",
        "position",
        "logged_by",
    }
    assert inputs["properties"]["channel"]["type"] == "slack#/types/channel_id"
    assert inputs["properties"]["logged_by"]["type"] == "slack#/types/user_id"
    assert set(inputs["required"]) == {"channel", "stakeholders", "kind", "summary"}
    assert step["output_parameters"] == {
        "properties": {
            "engagement_id": {
                "type": "string",
                "title": "Engagement",
                "description": "The engagement's number in Consult",
            }
        },
        "required": ["engagement_id"],
    }
    code = (
        Path(__file__).resolve().parents[2] / "handlers/interactivity/workflow_step.py"
    ).read_text()
    assert 'CALLBACK_ID = "log_engagement"' in code
    for name in inputs["properties"]:
        assert f'"{name}"' in code, name
