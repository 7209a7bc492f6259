"""Slack's edge: listeners that parse payloads, ack at once, call services, reply.

`register(app, services)` wires every listener module into a Bolt app.
"""

from __future__ import annotations

import importlib
import pkgutil

# Modules (in this package and in handlers.actions) that define `register(app, services)`.
_LISTENER_PACKAGES = ["handlers.actions"]


def register(app, services) -> None:
    from handlers.commands import register_slash_command

    register_slash_command(app, services)
    for package_name in _LISTENER_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package_name}.{info.name}")
            if hasattr(module, "register"):
                module.register(app, services)
