import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_match_the_spec():
    s = load_settings({}, dotenv_path=None)
    assert s.database_url == "sqlite:///consult.db"
    assert s.port == 3000
    assert s.public_base_url == "http://localhost:3000"
    assert s.timezone == "Europe/London"
    assert s.slack_api_url is None


def test_public_base_url_follows_port_and_postgres_urls_get_psycopg():
    s = load_settings({"PORT": "8080", "DATABASE_URL": "postgresql://u:p@h/db"}, dotenv_path=None)
    assert s.public_base_url == "http://localhost:8080"
    assert s.database_url == "postgresql+psycopg://u:p@h/db"


@pytest.mark.parametrize(
    "env,message",
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"CONSULT_TIMEZONE": "Mars/Olympus"}, "CONSULT_TIMEZONE"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"PUBLIC_BASE_URL": "consult.example"}, "PUBLIC_BASE_URL"),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(env, dotenv_path=None)


def test_serve_needs_a_way_to_reach_slack():
    with pytest.raises(SettingsError, match="shell"):
        load_settings({}, dotenv_path=None).check_slack()
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, dotenv_path=None).check_slack()
    load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, dotenv_path=None
    ).check_slack()
    with pytest.raises(SettingsError, match="xoxb"):
        load_settings({"SLACK_APP_TOKEN": "xapp-1"}, dotenv_path=None).check_slack()


def test_dotenv_file_fills_in(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nCONSULT_TIMEZONE=Europe/Dublin\n")
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("CONSULT_TIMEZONE", raising=False)
    s = load_settings(dotenv_path=str(env_file))
    assert s.port == 4000 and s.timezone == "Europe/Dublin"
