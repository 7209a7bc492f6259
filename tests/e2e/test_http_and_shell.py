"""Signed HTTP requests to the running app; the shell through its standard input."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_healthz(sqlite_app):
    r = sqlite_app.get("/healthz")
    assert r.status == 200 and r.text == "ok\n"


def test_unknown_path_is_404(sqlite_app):
    assert sqlite_app.get("/nothing").status == 404


def test_a_signed_command_is_acked_then_answered_ephemerally(running_app, slack):
    r = running_app.command("help")
    assert r.status == 200
    reply = slack.sent("response")[-1]
    assert reply["response_type"] == "ephemeral"
    assert "/consult setup" in reply["text"] and "/consult stakeholder" in reply["text"]


def test_setup_posts_to_the_channel_and_register_works_over_http(running_app, slack):
    running_app.command(
        'setup "Hillingdon co-commissioning" --template co-commissioning --year 2014'
    )
    post = slack.wait_for("chat.postMessage")[-1]
    assert post["channel"] == "C1"
    assert "Fri 20 Jun 2014" in post["text"] and "Wed 4 Mar 2015" in post["text"]
    text = running_app.reply(
        "stakeholder add practice \u201cAcorn Surgery\u201d --code E85001 --list-size 8,200"
    )
    assert "Acorn Surgery" in text and "8,200" in text
    assert "E85001" in running_app.reply("stakeholder list practice")


def test_bad_input_gets_usage_and_a_suggestion(sqlite_app, slack):
    assert "Did you mean `/consult setup`" in sqlite_app.reply("setpu")
    text = sqlite_app.reply("stakeholder list")
    assert "no programme yet" in text and "/consult setup" in text
    sqlite_app.command('setup "P"')
    text = sqlite_app.reply("stakeholder add practice")
    assert "Usage" in text and "stakeholder add <type>" in text
    assert "stakeholder remove" not in text  # the line that matters, not the whole block


def test_non_admins_are_refused_with_who_can(sqlite_app, slack):
    sqlite_app.command('setup "P"', user="UADMIN")
    text = sqlite_app.reply('stakeholder add lmc "LMC"', user="UOTHER")
    assert "Only the programme's admins" in text and "<@UADMIN>" in text


def test_workspace_admins_are_admins(sqlite_app, slack):
    sqlite_app.command('setup "P"', user="UADMIN")
    slack.admins.add("UBOSS")
    assert "Added to the register" in sqlite_app.reply('stakeholder add lmc "LMC"', user="UBOSS")


def test_bad_signature_and_stale_timestamp_are_refused(sqlite_app, slack):
    body = "command=%2Fconsult&text=help&team_id=T1&user_id=U1&channel_id=C1"
    assert (
        sqlite_app.signed_post(
            body, "application/x-www-form-urlencoded", signature="v0=deadbeef"
        ).status
        == 401
    )
    old = int(time.time()) - 6 * 60
    assert (
        sqlite_app.signed_post(body, "application/x-www-form-urlencoded", timestamp=old).status
        == 401
    )
    assert slack.sent("response") == []


def _run_app(args, stdin="", env=None, timeout=60):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "app.py", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=timeout,
    )


def test_shell_reads_piped_commands_with_the_demo(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    first = _run_app(["demo"], env=env)
    assert first.returncode == 0 and "Loaded" in first.stdout
    again = _run_app(["demo"], env=env)
    assert "Already loaded" in again.stdout
    out = _run_app(
        ["shell", "--no-scheduler"],
        "/consult help\n/consult stakeholder list hwbb\n/consult bogus\n",
        env=env,
    )
    assert out.returncode == 0
    assert "Hillingdon Health and Wellbeing Board" in out.stdout
    assert "is not a Consult command" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_shell_as_another_user_in_another_channel(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    out = _run_app(
        ["shell", "--no-scheduler", "--user", "jane", "--channel", "north"],
        '/consult setup "North programme"\n/consult roles\n',
        env=env,
    )
    assert "@jane set up the programme" in out.stdout
    assert "Admins: @jane" in out.stdout


def test_shell_names_people_from_the_directory(tmp_path):
    from app import bootstrap
    from bot.people import Person
    from bot.services.directory import remember_people
    from bot.settings import Settings
    from handlers.console import LOCAL_TEAM

    url = f"sqlite:///{tmp_path / 'c.db'}"
    services = bootstrap(Settings(database_url=url))
    remember_people(services.new_uow(), LOCAL_TEAM, [Person("jane", "jane", "Jane Patel")])
    remember_people(services.new_uow(), LOCAL_TEAM, [Person("sam", "sam", "Sam Old", deleted=True)])
    services.engine.dispose()
    out = _run_app(
        ["shell", "--no-scheduler", "--user", "jane", "--channel", "north"],
        '/consult setup "North programme"\n/consult admin add @sam\n/consult admin add @bob\n'
        "/consult roles\n",
        env={"DATABASE_URL": url},
    )
    assert "@Jane Patel set up the programme" in out.stdout
    assert "@Sam Old (deactivated)" in out.stdout and "@bob" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_serve_without_slack_credentials_explains_what_to_set(tmp_path):
    out = _run_app(["serve"], env={"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}, timeout=30)
    assert out.returncode == 2
    assert "SLACK_BOT_TOKEN" in out.stderr and "shell" in out.stderr


def test_serve_that_cannot_reach_slack_says_so_without_a_traceback(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }  # nothing listens there
    out = _run_app(["serve", "--no-scheduler"], env=env, timeout=60)
    assert out.returncode == 2
    assert "could not be reached" in out.stderr and "SLACK_API_URL" in out.stderr
    assert "Traceback" not in out.stderr and "xoxb-1" not in out.stderr


def test_import_practices_from_the_command_line(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    _run_app(["demo"], env=env)
    csv = tmp_path / "practices.csv"
    csv.write_text(
        "code,name,list_size,group\nE85001,Acorn Surgery,9999,North locality\nE86001,New Practice,4000,South locality\n"
    )
    out = _run_app(
        ["import-practices", str(csv), "--programme", "Demo CCG co-commissioning"], env=env
    )
    assert out.returncode == 0, out.stderr
    assert "1 added, 1 changed" in out.stdout


def test_import_practices_from_files_shared_in_the_channel(sqlite_app, slack):
    sqlite_app.command('setup "P"')
    slack.add_file(
        "practices.csv",
        b"code,name,list_size,group\nE85001,Acorn Surgery,8200,North\nE85002,Beacon,4100,South\n",
    )
    text = sqlite_app.reply("stakeholder import")
    assert "practices.csv: 2 added, 0 changed" in text
    assert "Acorn Surgery" in sqlite_app.reply("stakeholder list practice")
    slack.add_file("bad.csv", b"code,name,list_size,group\nE85003,,1,North\n")
    text = sqlite_app.reply("stakeholder import bad.csv")
    assert "Nothing was imported" in text and "bad.csv:2:" in text
    assert "missing.csv" in sqlite_app.reply("stakeholder import missing.csv")


def test_shell_imports_local_files(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    csv = tmp_path / "practices.csv"
    csv.write_text("code,name,list_size,group\nE85001,Acorn Surgery,8200,North\n")
    out = _run_app(
        ["shell", "--no-scheduler"],
        f'/consult setup "P"\n/consult stakeholder import {csv}\n',
        env=env,
    )
    assert "1 added" in out.stdout


def test_the_shell_writes_files_to_its_data_folder_not_the_current_one(tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CONSULT_DATA"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'c.db'}"
    commands = '/consult setup "P"\n/consult export engagements\n'
    for data_dir, folder in [(None, here / "consult-data"), (tmp_path / "mine", tmp_path / "mine")]:
        if data_dir is not None:
            env["CONSULT_DATA_DIR"] = str(data_dir)
        out = subprocess.run(
            [sys.executable, str(ROOT / "app.py"), "shell", "--no-scheduler"],
            input=commands,
            capture_output=True,
            text=True,
            cwd=here,
            env=env,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert [p.name for p in folder.iterdir()] == ["p-engagements.csv"], out.stdout
        assert "file saved as" in out.stdout and str(folder) in out.stdout.replace("\n", "")
    assert sorted(p.name for p in here.iterdir()) == ["consult-data"]


def test_what_the_shell_and_scheduler_leave_in_a_checkout_is_ignored_by_git():
    names = ["consult.db.scheduler.lock", "consult-data/p-engagements.csv", "consult.db"]
    out = subprocess.run(
        ["git", "check-ignore", "--no-index", *names], capture_output=True, text=True, cwd=ROOT
    )
    assert out.stdout.split() == names


def test_export_usage_does_not_call_its_optional_argument_required(tmp_path):
    out = _run_app(["export"], env={"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"})
    assert out.returncode == 2
    assert (
        "required: what, --programme" in out.stderr
        and "rest" not in out.stderr.split("required")[1]
    )
