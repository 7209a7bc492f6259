"""Socket Mode: how long an envelope waits for its ack, steady and across a connection refresh.

    python -m tests.bench.socket_refresh [--refreshes 10]

Runs the app in-process over Socket Mode against the tests' WebSocket stand-in,
once with Bolt's stock Socket Mode handler and once with Consult's
(handlers/socket_mode.py). Steady: commands on an open connection. Refresh:
Slack's `disconnect`, then a command on the new connection as soon as it is up.
Prints p50 and worst ack time for each, and the ratios.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from .load import percentile

COMMAND = {
    "team_id": "T1",
    "channel_id": "C1",
    "user_id": "UADMIN",
    "command": "/consult",
    "text": "help",
    "api_app_id": "A1",
}


def _ack_time(socket_slack, slack) -> float:
    payload = dict(COMMAND, response_url=slack.response_url("bench"), trigger_id="t")
    began = time.perf_counter()
    envelope = socket_slack.send("slash_commands", payload, accepts_response_payload=True)
    socket_slack.wait_ack(envelope, timeout=30)
    return time.perf_counter() - began


def measure(handler_name: str, refreshes: int, steady: int) -> dict[str, list[float]]:
    from app import bootstrap, slack_messenger_factory
    from bot.settings import Settings
    from handlers.pipeline import make_bolt_app

    from ..slack_stub import SlackStub
    from ..socket_stub import SocketModeStub

    slack, socket_slack = SlackStub(), SocketModeStub()
    slack.socket_url = socket_slack.new_url
    folder = Path(tempfile.mkdtemp(prefix="consult-socket-bench-"))
    settings = Settings(
        database_url=f"sqlite:///{folder / 'consult.db'}",
        slack_bot_token="xoxb-bench",
        slack_app_token="xapp-1-bench",
        slack_api_url=slack.api_url,
    )
    services = bootstrap(settings)
    services = replace(services, messenger_for_team=slack_messenger_factory(services))
    bolt = make_bolt_app(services)
    if handler_name == "stock":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(bolt, settings.slack_app_token)
    else:
        from handlers.socket_mode import ConsultSocketModeHandler

        handler = ConsultSocketModeHandler(bolt, settings.slack_app_token, services)
    times: dict[str, list[float]] = {"steady": [], "refresh": []}
    try:
        handler.connect()
        socket_slack.wait_connections(1)
        for _ in range(steady):
            times["steady"].append(_ack_time(socket_slack, slack))
        for _ in range(refreshes):
            # Slack refreshes a connection that has been quiet for a while: the old
            # socket's reader sits in a blocking read when the `disconnect` arrives.
            time.sleep(0.5)
            socket_slack.refresh()
            times["refresh"].append(_ack_time(socket_slack, slack))
    finally:
        closer = threading.Thread(target=handler.close, daemon=True)
        closer.start()
        closer.join(10)
        socket_slack.close()
        slack.close()
        services.engine.dispose()
    return times


def run(refreshes: int = 10, steady: int = 20, say=print) -> dict:
    say(f"Socket Mode ack times ({steady} steady, {refreshes} across a refresh)...")
    results = {name: measure(name, refreshes, steady) for name in ("stock", "consult")}
    say(f"  {'handler':<10} {'steady p50':>11} {'refresh p50':>12} {'refresh worst':>14}")
    for name, t in results.items():
        say(
            f"  {name:<10} {percentile(t['steady'], 50) * 1000:>9.0f}ms"
            f" {percentile(t['refresh'], 50) * 1000:>10.0f}ms {max(t['refresh']) * 1000:>12.0f}ms"
        )
    consult = results["consult"]
    stock = results["stock"]
    say(
        "  across a refresh, Consult's worst ack is "
        f"{max(stock['refresh']) / max(consult['refresh']):.0f}x sooner than the stock handler's; "
        f"its refresh p50 is {percentile(consult['refresh'], 50) / percentile(consult['steady'], 50):.1f}x"
        " its steady p50"
    )
    return results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.bench.socket_refresh")
    p.add_argument("--refreshes", type=int, default=10)
    p.add_argument("--steady", type=int, default=20)
    args = p.parse_args(argv)
    run(args.refreshes, args.steady)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
