"""Programme templates are data (JSON files in bot/data/programme_templates), not code."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from .errors import UsageError
from .grammar import closest

TEMPLATE_DIR = Path(__file__).parent / "data" / "programme_templates"


def names() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.json"))


@lru_cache(maxsize=16)
def load(name: str) -> dict:
    path = TEMPLATE_DIR / f"{name}.json"
    if not path.is_file():
        hint = closest(name, names())
        raise UsageError(
            f"There is no template called {name!r}. Templates: {', '.join(names())}."
            + (f" Did you mean `{hint}`?" if hint else "")
        )
    return json.loads(path.read_text(encoding="utf-8"))


def key_dates(template: dict, year: int) -> list[tuple[str, str, date]]:
    """(key, title, date) of the template's deadlines for the cycle starting in `year`."""
    return [
        (d["key"], d["title"], date(year + d.get("year_offset", 0), d["month"], d["day"]))
        for d in template.get("deadlines", [])
    ]
