"""Programme templates are data (JSON files in bot/data/programme_templates), not code.

A template is true to its sources: every deadline, duty and checklist
section names the documents it comes from (`source`: a list of
`{"doc": <key of "sources">, "at": <paragraph, section or annex>}`), and its
dates are the documented ones (`date`, in the `documented_year` cycle).

A programme set up for another cycle gets the same milestones moved into
that cycle's years and off weekends and English bank holidays. Those dates
are provisional: no source gives them, so they are shown as "date to
confirm" until an admin confirms or moves each one.

A date that one organisation's papers give as its own (`suggestion` says whose, in the
words shown beside the date) is offered as a suggestion in every cycle, the documented
one included: it too is provisional until an admin confirms or moves it.

A template dated from the programme's decision (`"dated_from": "decision"`)
places each key date `days_from_decision` before (negative) or after it. No
source sets those dates, so each is the programme's choice (`note`) and
provisional until confirmed; the decision itself is the date given at set-up.

Items may apply to some of a template's models only (`models`); a template
without `models` at the top has no model. What a template is for (`purpose`),
the stakeholder types it brings, whether a member vote belongs to it (`vote`),
how its duties' kinds are labelled and what its checklist is called are data
too, so nothing in the code names one template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from .dates import working_day_on_or_before
from .errors import UsageError
from .grammar import closest

TEMPLATE_DIR = Path(__file__).parent / "data" / "programme_templates"
UNDECIDED = "undecided"

# A template, and each of its items (deadline, duty, section...), as its JSON file has them:
# data whose keys differ by item and by template (the module's docstring lists them).
Template = dict[str, Any]
Item = dict[str, Any]
# A reference to a source: {"doc": <key of the template's "sources">, "at": <where in it>}.
SourceRef = dict[str, str]


def names() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.json"))


@lru_cache(maxsize=16)
def load(name: str) -> Template:
    path = TEMPLATE_DIR / f"{name}.json"
    if name not in names():  # only the files in the folder: never a path typed in a command
        hint = closest(name, names())
        raise UsageError(
            f"There is no template called {name!r}. Templates: {', '.join(names())}."
            + (f" Did you mean `{hint}`?" if hint else "")
        )
    template: Template = json.loads(path.read_text(encoding="utf-8"))
    return template


def load_if_known(name: str | None) -> Template | None:
    """A programme's template, or None (no template, or one renamed since it was set up)."""
    try:
        return load(name) if name else None
    except UsageError:
        return None


def summaries() -> list[Template]:
    """Every template, for `/consult templates`: its name, title, purpose and sources."""
    return [load(n) for n in names()]


def setup_usage(template: Template) -> str:
    """How `/consult setup` takes this template, for usage lines."""
    head = f'/consult setup "<programme name>" --template {template["name"]}'
    if is_decision_dated(template):
        return head + " --decision <date>"
    models = model_names(template)
    year = template.get("documented_year")
    return (
        head
        + (f" [--year {year}]" if year else "")
        + (f" [--model {'|'.join(models)}]" if models else "")
    )


def is_decision_dated(template: Template | None) -> bool:
    return (template or {}).get("dated_from") == "decision"


def has_vote(template: Template | None) -> bool:
    """Whether a member vote belongs to programmes of this template (no template: it may)."""
    return template is None or bool(template.get("vote"))


def no_vote_reason(template: Template) -> str:
    reason: str = template.get("no_vote") or f"The {template['name']} template has no member vote."
    return reason


def stakeholder_types(template: Template | None) -> list[str]:
    return list((template or {}).get("stakeholder_types", []))


def text(template: Template | None, key: str, default: str = "") -> str:
    """A piece of wording a template words its own way (`"texts"`), or the default."""
    wording: str = (template or {}).get("texts", {}).get(key, default)
    return wording


def provisional_why(name: str | None) -> str:
    """Where a programme's provisional dates come from, in its template's words."""
    return text(load_if_known(name), "provisional_why", "the programme's own choice of dates")


# -- sources -------------------------------------------------------------------


def cite(template: Template, refs: list[SourceRef] | None, brief: bool = False) -> str | None:
    """`[{"doc": "hwbb-letter", "at": "Annex A"}]` -> "NHS England letter, 18 Dec 2014, Annex A".

    `brief` gives the first source only, for one-line listings.
    """
    if not refs:
        return None
    docs = template.get("sources", {})
    out = []
    for ref in refs[:1] if brief else refs:
        doc = docs[ref["doc"]]
        parts = [doc["short"], doc["date"]] + ([ref["at"]] if ref.get("at") else [])
        out.append(
            ", ".join(p for p in parts if p) + (f" ({doc['url']})" if doc.get("url") else "")
        )
    return "; ".join(out)


def documents(template: Template) -> list[dict[str, str]]:
    """Every source document the template names, with its key, for a list of references."""
    return [{"key": k} | v for k, v in template.get("sources", {}).items()]


# -- the model -----------------------------------------------------------------


def model_names(template: Template | None) -> list[str]:
    return list((template or {}).get("models", {}))


def check_model(template: Template | None, model: str | None) -> str | None:
    """The model a programme of this template runs under (undecided if not given)."""
    models = model_names(template)
    if not models:
        if model:
            with_models = [t["name"] for t in summaries() if t.get("models")]
            raise UsageError(
                "`--model` goes with a template that has models: "
                + ", ".join(f"`--template {n}`" for n in with_models)
                + "."
            )
        return None
    if model is None:
        return UNDECIDED
    model = model.strip().lower()
    if model not in models:
        hint = closest(model, models)
        raise UsageError(
            f"{model!r} is not a model. Models: {', '.join(models)}."
            + (f" Did you mean `{hint}`?" if hint else "")
        )
    return model


def model_label(template: Template | None, model: str | None) -> str:
    label: str = (template or {}).get("models", {}).get(model or "", model or "")
    return label


def applies(item: Item, model: str | None) -> bool:
    """Whether a template item exists under this model (items without `models` always do)."""
    wanted = item.get("models")
    return not wanted or model is None or model in wanted


# -- dates ---------------------------------------------------------------------


def documented_year(template: Template) -> int | None:
    year: int | None = template.get("documented_year")
    return year


def is_documented(template: Template, year: int | None) -> bool:
    """Whether a cycle's dates are the documented ones (not provisional)."""
    return year is not None and year == documented_year(template)


def _on(text: str) -> date:
    return date.fromisoformat(text)


def cycle_date(template: Template, text: str, year: int) -> tuple[date, bool]:
    """A documented date moved into the cycle starting in `year`: (date, provisional).

    The documented cycle keeps its dates exactly; any other cycle gets the same
    day and month in the matching year, moved back to a working day.
    """
    documented = _on(text)
    base = documented_year(template) or documented.year
    if year == base:
        return documented, False
    target_year = year + (documented.year - base)
    try:
        moved = documented.replace(year=target_year)
    except ValueError:  # 29 February in a year without one
        moved = date(target_year, documented.month, 28)
    return working_day_on_or_before(moved), True


@dataclass(frozen=True)
class PlannedDeadline:
    key: str
    title: str
    due_on: date
    documented_on: date
    provisional: bool
    source: str | None  # None only for a deadline that names no source
    note: str | None
    suggestion: str | None = None  # one organisation's own date, offered as a suggestion


def suggestion_of(item: Item | None) -> str | None:
    """Whose own date a template date is, as shown beside it (None: the sources set it)."""
    whose: str | None = (item or {}).get("suggestion")
    return whose


def decision_date(decision: date, item: Item) -> tuple[date, bool]:
    """A key date placed from the decision: (date, provisional). The decision itself is the
    date given; any other is the programme's choice, on a working day, to confirm."""
    days = int(item.get("days_from_decision", 0))
    if days == 0:
        return decision, False
    return working_day_on_or_before(decision + timedelta(days=days)), True


def item_date(
    template: Template, item: Item, year: int | None, decision: date | None
) -> tuple[date, bool] | None:
    """A template deadline's date for a programme: from its cycle or its decision."""
    if is_decision_dated(template):
        return decision_date(decision, item) if decision is not None else None
    if year is None:
        return None
    return cycle_date(template, item["date"], year)


def key_dates(
    template: Template, year: int | None, model: str | None = None, decision: date | None = None
) -> list[PlannedDeadline]:
    """The template's deadlines that apply under `model`, for the cycle starting in `year`
    (or placed from the `decision` date, for a template dated from it)."""
    out = []
    for d in template.get("deadlines", []):
        if not applies(d, model):
            continue
        placed = item_date(template, d, year, decision)
        if placed is None:
            continue
        due, provisional = placed
        out.append(
            PlannedDeadline(
                d["key"],
                d["title"],
                due,
                _on(d["date"]) if d.get("date") else due,
                provisional or bool(suggestion_of(d)),
                cite(template, d.get("source")),
                d.get("note"),
                suggestion_of(d),
            )
        )
    return out


def deadline_item(template: Template, key: str) -> Item | None:
    deadlines: list[Item] = template.get("deadlines", [])
    for d in deadlines:
        if d["key"] == key:
            return d
    return None


@dataclass(frozen=True)
class Milestone:
    """A dated event of the documented cycle, shown on timelines as context, never reminded of."""

    on: date
    month_only: bool
    title: str
    source: str


def context_milestones(template: Template | None) -> list[Milestone]:
    if template is None:
        return []
    return [
        Milestone(
            _on(c["date"]),
            c.get("precision") == "month",
            c["title"],
            cite(template, c.get("source")) or "",
        )
        for c in template.get("context", [])
    ]


# -- checks --------------------------------------------------------------------


def items(template: Template) -> list[tuple[str, Item]]:
    """Every item of a template that users see as a date, a duty or a section: (what, item)."""
    out = [("deadline", d) for d in template.get("deadlines", [])]
    out += [("context", c) for c in template.get("context", [])]
    out += [("duty", d) for d in template.get("duties", [])]
    out += [("revision duty", d) for d in template.get("revision_duties", [])]
    out += [("checklist section", c) for c in (template.get("checklist") or {}).get("items", [])]
    return out
