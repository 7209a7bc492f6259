"""One `render(name, **ctx)` over the Jinja templates in bot/jinja, with StrictUndefined.

Slack text needs only &, < and > escaped; `esc` does that, and every
template that shows user text pipes it through `esc`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .dates import format_date, format_datetime

JINJA_DIR = Path(__file__).parent / "jinja"


def esc(text: object) -> str:
    """Escape user text for Slack mrkdwn (mentions and links can't be forged)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# A `<` that does not open a person or channel mention: the start of a link,
# a broadcast (<!channel>) or a user-group mention, if left live.
_LIVE_MARKUP = re.compile(r"<(?![@#][A-Z0-9]+(?:\|[^<>]*)?>)")


def defuse(text: str) -> str:
    """Make a message built from user text inert, keeping its person and channel mentions.

    For messages that mix Consult's own words with what someone typed, like the
    refusals and usage errors raised by the core: links, @channel/@here and
    user-group mentions in them are shown as typed, never acted on.
    """
    return _LIVE_MARKUP.sub("&lt;", text)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# Each template is compiled once per process and kept: the templates ship with the code, so
# nothing checks their files for changes on every render (auto_reload), and the cache holds
# every one of them (cache_size=-1: no eviction).
class _CompiledOnce(TypedDict):
    auto_reload: bool
    cache_size: int


_COMPILED_ONCE: _CompiledOnce = {"auto_reload": False, "cache_size": -1}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(JINJA_DIR)),
        undefined=StrictUndefined,
        autoescape=False,
        **_COMPILED_ONCE,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(esc=esc, date=format_date, datetime=format_datetime, plural=plural)
    return env


def html_environment() -> Environment:
    """For HTML documents (the evidence pack): autoescaping on.

    A fresh one per document: the pack sets filters of its own (its timezone), which a
    shared environment would hand to another pack rendered at the same time."""
    env = Environment(
        loader=FileSystemLoader(str(JINJA_DIR)),
        undefined=StrictUndefined,
        autoescape=True,
        **_COMPILED_ONCE,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(date=format_date, datetime=format_datetime, plural=plural)
    return env


def render(name: str, **ctx: object) -> str:
    return environment().get_template(name).render(**ctx).strip()
