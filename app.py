"""Consult's composition root: settings -> bootstrap -> serve | shell | demo | ..."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy import text

from bot.services.container import Services
from bot.settings import Settings, SettingsError, load_settings
from handlers.slack_workspaces import slack_messenger_factory

log = logging.getLogger("consult")


def bootstrap(settings: Settings, migrate: bool = True) -> Services:
    """Engine, schema, units of work. Nothing here reaches Slack."""
    from storage.db import make_engine
    from storage.db import migrate as run_migrations
    from storage.uow import UnitOfWorkFactory

    engine = make_engine(settings.database_url)
    if migrate:
        run_migrations(engine)

    def ping() -> bool:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    from handlers.oauth import Installations

    installations = Installations(settings, engine)
    return Services(
        settings=settings,
        new_uow=UnitOfWorkFactory(engine),
        ping=ping,
        engine=engine,
        installations=installations,
        token_for_team=installations.token_for_team if settings.oauth else None,
    )


def with_slack(services: Services) -> Services:
    """The same services, with jobs reaching each workspace through Slack's Web API."""
    return replace(services, messenger_for_team=slack_messenger_factory(services))


def serve(settings: Settings, args) -> int:
    """Checks everything it can before serving (schema, queue, Slack's tokens), then serves.

    On gunicorn the web processes are forked after these checks and each builds its own app
    (see handlers/wsgi_server.py); on waitress this one process serves what it checked."""
    from handlers.wsgi_server import run_wsgi

    settings.check_slack()
    checked = prepare_web(settings, args, migrate=True)
    if args.server == "gunicorn":
        checked.services.engine.dispose()  # no connection of this process crosses the fork
        checked = None

    state: dict = {}

    def load():
        try:
            web = checked or prepare_web(settings, args, migrate=False)
            state["web"] = web
            return start_web(web, args)
        except SettingsError as e:
            if args.server != "gunicorn":
                raise  # this process: main() says why
            # A forked web process: say why, and gunicorn stops.
            print(f"Consult can't start: {e}", file=sys.stderr)
            sys.exit(3)  # gunicorn's "worker failed to boot": the master does not retry

    def stop():
        web = state.pop("web", None)
        if web is not None:
            web.stop()

    log.info(
        "Consult listening on port %s (%s, %s threads)", settings.port, args.server, args.threads
    )
    run_wsgi(
        args.server,
        load,
        host=args.host,
        port=settings.port,
        threads=args.threads,
        processes=args.processes,
        on_exit=stop,
    )
    return 0


class Web:
    """One web process's parts: its services, its queue, its Bolt app, and what it started."""

    def __init__(self, services: Services, queue, bolt):
        self.services, self.queue, self.bolt = services, queue, bolt
        self.worker_started = False
        self.scheduler = None  # the scheduler this process runs, if any

    def stop(self) -> None:
        """Leaves the scheduler's leadership and lets the worker's running requests finish."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.worker_started:
            self.queue.stop()
        self.services.new_uow.stop_listening()


def prepare_web(settings: Settings, args, migrate: bool) -> Web:
    """The database, the queue and the Bolt app (which checks the bot token with Slack)."""
    from handlers.pipeline import make_bolt_app

    services = with_slack(bootstrap(settings, migrate=migrate))
    queue = make_queue(services, args.concurrency)
    if args.no_worker and queue.in_process_only:
        raise SettingsError(
            "--no-worker needs PostgreSQL: on SQLite the worker runs inside serve. "
            "Set DATABASE_URL to a PostgreSQL database to run `python app.py worker` apart."
        )
    if args.processes > 1 and args.server != "gunicorn":
        raise SettingsError(
            "--processes above 1 needs --server gunicorn: waitress serves from one process. "
            "Add --server gunicorn, or run more `serve`s each on its own PORT."
        )
    if args.processes > 1 and queue.in_process_only:
        raise SettingsError(
            "--processes above 1 needs PostgreSQL: on SQLite one process serves and works. "
            "Set DATABASE_URL to a PostgreSQL database, or leave --processes at 1."
        )
    try:
        bolt = make_bolt_app(services, queue)  # checks the bot token with Slack
    except Exception as e:
        raise _slack_unreachable(e) from None
    return Web(services, queue, bolt)


def start_web(web: Web, args):
    """Socket Mode, the scheduler and the worker for this process; returns its WSGI app."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from handlers.web import make_wsgi_app

    settings = web.services.settings
    if settings.socket_mode:
        from handlers.socket_mode import ConsultSocketModeHandler

        try:
            ConsultSocketModeHandler(web.bolt, settings.slack_app_token, web.services).connect()
        except Exception as e:
            raise _slack_unreachable(e) from None
        log.info("Slack over Socket Mode; HTTP serves calendar feeds and health only")
        wsgi = make_wsgi_app(web.services, slack_handler=None)
    else:
        wsgi = make_wsgi_app(web.services, slack_handler=SlackRequestHandler(web.bolt))
    # PostgreSQL: hear every commit's announcement, so that cache hits and 304s read nothing.
    web.services.new_uow.listen()
    web.scheduler = start_background_work(web.services, args)
    if not args.no_worker:
        start_worker(web.services, web.queue, web.bolt)
        web.worker_started = True
    return wsgi


def _slack_unreachable(e: Exception) -> SettingsError:
    """A bad token or no route to Slack: say so, without a traceback."""
    from slack_sdk.errors import SlackApiError

    reason = e.response.get("error") if isinstance(e, SlackApiError) else type(e).__name__
    return SettingsError(
        f"Slack did not accept Consult's tokens or could not be reached ({reason}). Check "
        "SLACK_BOT_TOKEN (and SLACK_APP_TOKEN for Socket Mode), and SLACK_API_URL if you set it."
    )


def make_queue(services: Services, concurrency: int = 8, stall_seconds: float = 30):
    """The queue between acks and work: procrastinate on PostgreSQL, threads on SQLite."""
    from jobs.queue import LocalQueue, PostgresQueue

    engine = services.engine
    if engine.dialect.name == "postgresql":
        return PostgresQueue(
            engine,
            services.settings.database_url,
            concurrency=concurrency,
            stall_seconds=stall_seconds,
        )
    return LocalQueue(engine, threads=concurrency)


def start_worker(services: Services, queue, bolt):
    """Queued Slack requests run on this process's worker threads, through the listeners of
    `bolt`, the web's Bolt app (nothing is dispatched through it a second time)."""
    from handlers.pipeline.worker import make_runner

    queue.start_worker(make_runner(services, bolt, queue.stall_seconds))


def worker(settings: Settings, args) -> int:
    """Runs acknowledged Slack requests from the queue (PostgreSQL); as many as you like."""
    from handlers.pipeline.dispatch import ListenerTable
    from handlers.pipeline.worker import make_runner

    if not (settings.slack_bot_token or settings.oauth):
        raise SettingsError(
            "A worker answers in Slack: set SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET when installed to many workspaces)."
        )
    services = with_slack(bootstrap(settings))
    queue = make_queue(services, args.concurrency, args.stall_seconds)
    if queue.in_process_only:
        raise SettingsError(
            "A separate worker needs PostgreSQL: on SQLite the worker runs inside "
            "`python app.py serve`. Set DATABASE_URL to a PostgreSQL database."
        )
    # The listeners, with no Bolt app: each request is run by the one the web process matched.
    run = make_runner(services, ListenerTable(services), queue.stall_seconds)
    log.info("Consult worker %s taking Slack requests from the queue", os.getpid())
    services.new_uow.listen()
    try:
        queue.run_worker(run)
    finally:
        services.new_uow.stop_listening()
    return 0


def start_background_work(services: Services, args):
    """The scheduler runs inside serve and shell unless told not to; returns it (or None)."""
    if getattr(args, "no_scheduler", False):
        return None
    from jobs.scheduler import start_scheduler

    return start_scheduler(services)


def shell(settings: Settings, args) -> int:
    from handlers.console import ConsoleMessenger, directory_names, run_shell

    base = bootstrap(settings)
    console = ConsoleMessenger(sys.stdout, Path(settings.data_dir), name=directory_names(base))
    services = replace(base, messenger_for_team=lambda team_id: console)
    scheduler = start_background_work(services, args)
    try:
        return run_shell(services, args.user, args.channel)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def demo(settings: Settings, args) -> int:
    from bot.services.demo import load_demo

    services = bootstrap(settings)
    programme, created = load_demo(services.new_uow(), args.team, args.channel, args.user)
    print(
        ("Loaded" if created else "Already loaded:")
        + f" the demo programme “{programme.name}” in #{args.channel}."
    )
    return 0


def migrate(settings: Settings, args) -> int:
    bootstrap(settings)
    print("The database is at the current schema.")
    return 0


def _positive_seconds(value: str) -> float:
    """Another worker's request is taken over only once its claim is this old: at 0, two
    workers could both run a request one of them has only just taken."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds above 0, e.g. 30")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    from handlers.cli import CLI_COMMANDS
    from handlers.console import LOCAL_ADMIN, LOCAL_CHANNEL, LOCAL_TEAM
    from handlers.wsgi_server import DEFAULT_SERVER, SERVERS

    parser = argparse.ArgumentParser(
        prog="app.py", description="Consult: engagement programmes in Slack."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    p = sub.add_parser(
        "serve", help="HTTP server for Slack, calendar feeds and /healthz (with the scheduler)"
    )
    p.add_argument(
        "--no-scheduler", action="store_true", help="do not run scheduled work in this process"
    )
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="only verify, ack and queue; `python app.py worker` processes do the work (PostgreSQL)",
    )
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--threads", type=int, default=16, help="request threads per web process")
    p.add_argument(
        "--processes",
        type=int,
        default=1,
        help="web processes on this port (--server gunicorn and PostgreSQL for more than 1)",
    )
    p.add_argument(
        "--server",
        choices=SERVERS,
        default=DEFAULT_SERVER,
        help=f"the WSGI server (default {DEFAULT_SERVER}; gunicorn runs gthread workers)",
    )
    p.add_argument("--concurrency", type=int, default=8, help="worker threads in this process")
    p.set_defaults(run=serve)
    p = sub.add_parser(
        "worker", help="run acknowledged Slack requests from the queue (PostgreSQL; any number)"
    )
    p.add_argument("--concurrency", type=int, default=8, help="requests run at once")
    p.add_argument(
        "--stall-seconds",
        type=_positive_seconds,
        default=30,
        help="a worker silent this long is taken for dead, and its requests run again",
    )
    p.set_defaults(run=worker)
    p = sub.add_parser("shell", help="the local mode: type /consult commands, no Slack needed")
    p.add_argument(
        "--user", default=LOCAL_ADMIN, help="act as this user (default: the local admin)"
    )
    p.add_argument("--channel", default=LOCAL_CHANNEL, help="act in this channel")
    p.add_argument("--no-scheduler", action="store_true")
    p.set_defaults(run=shell)
    p = sub.add_parser("demo", help="load the demo programme (idempotent)")
    p.add_argument("--team", default=LOCAL_TEAM, help="Slack team id (default: the local shell's)")
    p.add_argument(
        "--channel", default=LOCAL_CHANNEL, help="Slack channel id (default: the local shell's)"
    )
    p.add_argument("--user", default=LOCAL_ADMIN, help="the demo programme's admin")
    p.set_defaults(run=demo)
    p = sub.add_parser("migrate", help="bring the database to the current schema")
    p.set_defaults(run=migrate)
    for command in CLI_COMMANDS.values():
        p = sub.add_parser(command.name, help=command.help)
        command.configure(p)
        p.set_defaults(
            run=lambda settings, args, c=command: c.run(bootstrap(settings, c.migrate), args)
        )
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        from handlers.log_redaction import install_log_redaction

        install_log_redaction(settings)
        return args.run(settings, args) or 0
    except SettingsError as e:
        print(f"Consult can't start: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
