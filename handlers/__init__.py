"""Slack's edge: listeners that parse payloads, ack at once, call services, reply.

`add_listeners(app, services)` wires every listener module into a Bolt app.
"""

from __future__ import annotations

import importlib
import pkgutil

# Modules (in this package and in handlers.interactivity) that define `add_listeners(app, services)`.
_LISTENER_PACKAGES = ["handlers.interactivity"]


def add_listeners(app, services) -> None:
    from handlers import commands

    commands.add_listeners(app, services)
    for package_name in _LISTENER_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package_name}.{info.name}")
            if hasattr(module, "add_listeners"):
                module.add_listeners(app, services)
