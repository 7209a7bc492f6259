"""Every Bolt listener, wired into the app in one place (make_bolt_app calls this).

Each module named here has `add_listeners(app, services)`, which declares
its listeners with Bolt's decorators. A new listener module is added to
this list.

Listeners start with `ack()`. On the web, `defer_to_workers` has usually
answered Slack already and the listener runs later in a worker, where `ack()`
does nothing; it stays so that a listener reads the same wherever it runs, and
because some requests do run on the web: with no queue, when the queue is down,
and a search menu's options and a form's submission, which answer *in* their
ack (handlers/pipeline/defer.py).
"""

from __future__ import annotations

from handlers import commands, people
from handlers.interactivity import (
    app_home,
    engagement_form,
    raised_issues,
    reminders,
    run_command,
    vote_buttons,
    workflow_step,
)


def add_listeners(app, services) -> None:
    people.add_listeners(app, services)  # user_change: the directory of names
    commands.add_listeners(app, services)  # the /consult slash command
    app_home.add_listeners(app, services)
    engagement_form.add_listeners(app, services)
    raised_issues.add_listeners(app, services)
    reminders.add_listeners(app, services)
    run_command.add_listeners(app, services)  # buttons that answer a question with a command
    vote_buttons.add_listeners(app, services)
    workflow_step.add_listeners(app, services)
