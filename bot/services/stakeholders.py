"""The stakeholder register: add, list, show, link, remove, import."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import clock, practice_files, programme_templates
from .. import duties as duty_rules
from ..context import Actor
from ..coverage import DEFAULT_DAYS
from ..errors import Conflict, NotFound, UsageError
from ..ports import UnitOfWork
from ..ratings import HIGHEST, LOWEST
from ..stakeholder_map import StakeholderMap, build_map
from ..stakeholder_types import TYPE_ALIASES, TYPES
from ..typed_text import clean_typed
from .access import audit, programme_for, require_admin, snapshot
from .coverage import stakeholder_facts
from .duties import ensure_template_duties

if TYPE_CHECKING:
    from storage.models import Programme, Stakeholder

MAX_NAME = 200


def resolve(uow: UnitOfWork, programme: Programme, ref: str) -> Stakeholder:
    """A stakeholder by code or by enough of its name to be unique."""
    ref = ref.strip()
    if not ref:
        raise UsageError("Say which stakeholder: its code (e.g. E85001) or part of its name.")
    matches = uow.stakeholders.search(programme.id, ref, limit=11)
    if len(matches) > 1:
        exact = uow.stakeholders.by_exact_name(programme.id, ref)
        if len(exact) == 1:
            return exact[0]
    if not matches:
        raise NotFound(
            f"No stakeholder matches {ref!r}. `/consult stakeholder list` shows the register."
        )
    if len(matches) > 1:
        shown = "\n".join(f"• {s.name}" + (f" ({s.code})" if s.code else "") for s in matches[:10])
        more = "\n• …and more" if len(matches) > 10 else ""
        raise UsageError(
            f"{ref!r} matches several stakeholders; use the code or more of the name:\n{shown}{more}"
        )
    return matches[0]


def add_stakeholder(
    actor: Actor,
    channel_id: str,
    type: str,
    name: str,
    uow: UnitOfWork,
    *,
    code: str | None = None,
    list_size: int | None = None,
    group: str | None = None,
) -> Stakeholder:
    name = " ".join(clean_typed(name, "The stakeholder's name").split())
    if group is not None:
        group = " ".join(clean_typed(group, "The group's name").split()) or None
    if type not in TYPES:
        raise UsageError(f"{type!r} is not a stakeholder type. Types: {', '.join(TYPES)}.")
    if not name or len(name) > MAX_NAME:
        raise UsageError(f"A stakeholder needs a name of 1 to {MAX_NAME} characters.")
    if code is not None:
        code = code.strip().upper()
        if not code or len(code) > 32 or not code.replace("-", "").isalnum():
            raise UsageError(f"{code!r} is not a code: use letters and digits, like E85001.")
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change the stakeholder register")
        if code:
            existing = uow.stakeholders.by_code(programme.id, code, include_removed=True)
            if existing is not None and existing.removed_at is None:
                raise Conflict(f"{code} is already in the register as {existing.name}.")
            if existing is not None:  # bring back a removed one rather than a duplicate code
                before = snapshot(existing)
                existing.removed_at = None
                existing.type, existing.name, existing.list_size, existing.group_name = (
                    type,
                    name,
                    list_size,
                    group,
                )
                audit(
                    uow,
                    actor,
                    programme,
                    "stakeholder.restore",
                    "stakeholder",
                    existing.id,
                    before,
                    snapshot(existing),
                )
                ensure_template_duties(
                    uow, actor, programme
                )  # a Health and Wellbeing Board brings its duties
                uow.commit()
                return existing
        s = uow.stakeholders.create(
            programme_id=programme.id,
            type=type,
            name=name,
            code=code,
            list_size=list_size,
            group_name=group,
        )
        audit(uow, actor, programme, "stakeholder.add", "stakeholder", s.id, after=snapshot(s))
        template = programme_templates.load_if_known(programme.template)
        if template and type in duty_rules.register_types(template):
            # A stakeholder of a type the template's duties are per (e.g. a Health and
            # Wellbeing Board) brings its duties.
            ensure_template_duties(uow, actor, programme)
        uow.commit()
        return s


def list_stakeholders(
    actor: Actor,
    channel_id: str,
    uow: UnitOfWork,
    type: str | None = None,
    group: str | None = None,
) -> tuple[Programme, list[Stakeholder]]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        return programme, uow.stakeholders.list(programme.id, type, group)


def show_stakeholder(
    actor: Actor, channel_id: str, ref: str, uow: UnitOfWork
) -> tuple[Programme, Stakeholder]:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        return programme, resolve(uow, programme, ref)


def link_stakeholder(
    actor: Actor, channel_id: str, ref: str, user_id: str | None, uow: UnitOfWork
) -> Stakeholder:
    """Name the person who speaks (and votes) for a stakeholder; None unlinks."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "link people to stakeholders")
        s = resolve(uow, programme, ref)
        before = snapshot(s, ["linked_user_id"])
        s.linked_user_id = user_id
        audit(
            uow,
            actor,
            programme,
            "stakeholder.link",
            "stakeholder",
            s.id,
            before,
            snapshot(s, ["linked_user_id"]),
        )
        uow.commit()
        return s


def edit_stakeholder(
    actor: Actor,
    channel_id: str,
    ref: str,
    uow: UnitOfWork,
    *,
    name: str | None = None,
    list_size: int | None = None,
    group: str | None = None,
) -> Stakeholder:
    """A correction by hand; the next import keeps it unless told to overwrite."""
    if name is None and list_size is None and group is None:
        raise UsageError("Say what to change: --name, --list-size or --group.")
    if name is not None:
        name = " ".join(clean_typed(name, "The stakeholder's name").split())
        if not name or len(name) > MAX_NAME:
            raise UsageError(f"A stakeholder needs a name of 1 to {MAX_NAME} characters.")
    if group is not None:
        group = " ".join(clean_typed(group, "The group's name").split()) or None
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change the stakeholder register")
        s = resolve(uow, programme, ref)
        fields = list(IMPORTED_FIELDS)
        before = snapshot(s, fields)
        if name is not None:
            s.name = name
        if list_size is not None:
            s.list_size = list_size
        if group is not None:
            s.group_name = group
        after = snapshot(s, fields)
        if after == before:
            raise Conflict(f"{s.name} already has that; nothing changed.")
        audit(uow, actor, programme, "stakeholder.edit", "stakeholder", s.id, before, after)
        uow.commit()
        return s


@dataclass
class Meaning:
    """One thing a word in a list of stakeholders could name."""

    label: str  # in the users' words: "the group Wallsend (3 stakeholders)"
    refs: list[str]  # what to write instead of the word (codes, or names)
    group: str | None = None  # or this, as `--group`
    stakeholders: list[Stakeholder] = field(default_factory=list)  # whom it names


class SeveralMeanings(UsageError):
    """A stakeholder's name that is also a group's or a type's: the asker says which."""

    def __init__(self, ref: str, meanings: list[Meaning]):
        super().__init__(
            (
                f"{ref!r} could mean more than one thing; say which:\n"
                if len(meanings) > 1
                else f"No stakeholder is called {ref!r}, but it names this; is it what you meant?\n"
            )
            + "\n".join(f"• {m.label}" for m in meanings)
        )
        self.ref = ref
        self.meanings = meanings


def _ref_of(s: Stakeholder) -> str:
    return s.code or s.name


def _count(n: int) -> str:
    return f"{n:,} stakeholder{'s' if n != 1 else ''}"


def resolve_in_list(uow: UnitOfWork, programme: Programme, ref: str) -> list[Stakeholder]:
    """The stakeholders a word in a list names: one by code or name, or, when the word is
    also a group's or a type's name (`Wallsend`, `hwbb`), the asker is asked which was meant.

    A type with a single stakeholder and no name like it is that stakeholder.
    """
    ref = ref.strip()
    by_code = uow.stakeholders.by_code(programme.id, ref) if ref else None
    if by_code is not None:
        return [by_code]  # what resolve() would find first
    others: list[Meaning] = []
    group = next(
        (g for g in uow.stakeholders.groups(programme.id) if g.lower() == ref.lower()), None
    )
    if group is not None:
        members = uow.stakeholders.list(programme.id, group=group)
        others.append(Meaning(f"the group {group} ({_count(len(members))})", [], group, members))
    type_ = TYPE_ALIASES.get(ref.lower(), ref.lower())
    typed = uow.stakeholders.list(programme.id, type_) if type_ in TYPES else []
    if typed:
        others.append(
            Meaning(
                f"every stakeholder of the type {type_} ({_count(len(typed))})",
                [_ref_of(s) for s in typed],
                stakeholders=typed,
            )
        )
    if not others:
        return [resolve(uow, programme, ref)]
    named = uow.stakeholders.search(programme.id, ref, limit=6)
    if not named and group is None and len(typed) == 1:
        return typed
    meanings = [
        Meaning(
            f"the {s.type} {s.name}" + (f" ({s.code})" if s.code else ""), [_ref_of(s)], None, [s]
        )
        for s in named[:5]
    ] + others
    if len(meanings) > 1 and len({frozenset(s.id for s in m.stakeholders) for m in meanings}) == 1:
        return meanings[0].stakeholders  # every meaning names the same stakeholders
    raise SeveralMeanings(ref, meanings)


def remove_stakeholder(actor: Actor, channel_id: str, ref: str, uow: UnitOfWork) -> Stakeholder:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change the stakeholder register")
        s = resolve(uow, programme, ref)
        before = snapshot(s)
        s.removed_at = clock.now()
        audit(uow, actor, programme, "stakeholder.remove", "stakeholder", s.id, before, snapshot(s))
        uow.commit()
        return s


RATINGS = ["influence", "interest"]


def rate_stakeholder(
    actor: Actor, channel_id: str, ref: str, influence: int, interest: int, uow: UnitOfWork
) -> tuple[Stakeholder, dict[str, object]]:
    """Record how much a stakeholder matters to the decision; the earlier rating stays in the audit trail."""
    for name, value in (("influence", influence), ("interest", interest)):
        if not LOWEST <= value <= HIGHEST:
            raise UsageError(f"`--{name}` must be a whole number from {LOWEST} to {HIGHEST}.")
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "rate stakeholders")
        s = resolve(uow, programme, ref)
        before = set_ratings(uow, actor, programme, s, influence, interest)
        uow.commit()
        return s, before


def set_ratings(
    uow: UnitOfWork,
    actor: Actor,
    programme: Programme,
    s: Stakeholder,
    influence: int,
    interest: int,
) -> dict[str, object]:
    """Set a stakeholder's ratings, in the audit trail; returns what they were."""
    before = snapshot(s, RATINGS)
    s.influence, s.interest = influence, interest
    audit(
        uow, actor, programme, "stakeholder.rate", "stakeholder", s.id, before, snapshot(s, RATINGS)
    )
    return before


def stakeholder_map(
    actor: Actor, channel_id: str, uow: UnitOfWork, days: int = DEFAULT_DAYS
) -> StakeholderMap:
    """Every stakeholder in its quadrant, with its current position and when last engaged."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        today = clock.today_in(programme.timezone)
        return build_map(programme.name, stakeholder_facts(uow, programme), today, days)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    left_out: list[str] = field(default_factory=list)  # why rows were not taken
    kinds: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # what is added and what changes, by practice
    kept: list[str] = field(default_factory=list)  # values set by hand that the files would undo
    dry_run: bool = False


# The fields an import sets, with their names in the users' words.
IMPORTED_FIELDS = {
    "name": "name",
    "list_size": "list size",
    "group_name": "group",
    "postcode": "postcode",
}


def _shown(value: object) -> str:
    if value is None:
        return "none"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _set_by_hand(uow: UnitOfWork, programme_id: int) -> dict[int, set[str]]:
    """Per stakeholder, the imported fields changed by hand since an import last set them.

    Read from the audit trail: an edit (or a removed stakeholder added back)
    marks the fields it changed; an import that sets a field clears its mark.
    """
    marked: dict[int, set[str]] = {}
    for event in uow.audit.for_programme(programme_id, "stakeholder", limit=10**7):
        if event.action not in ("stakeholder.edit", "stakeholder.restore", "stakeholder.import"):
            continue
        before = json.loads(event.before) if event.before else {}
        after = json.loads(event.after) if event.after else {}
        moved = {f for f in IMPORTED_FIELDS if before and before.get(f) != after.get(f)}
        if event.entity_id is None:
            continue
        fields = marked.setdefault(event.entity_id, set())
        if event.action == "stakeholder.import":
            fields -= moved
        else:
            fields |= moved
    return marked


def import_practices(
    actor: Actor,
    programme_id: int,
    files: list[tuple[str, bytes | str]],
    uow: UnitOfWork,
    commissioner: str | None = None,
    *,
    dry_run: bool = False,
    overwrite: bool = False,
) -> ImportReport:
    """Add or update member practices from NHS Digital's files or a plain CSV.

    All or nothing: any bad row is reported as FILE:LINE and nothing is stored.
    A value changed by hand since the last import is kept unless `overwrite`;
    `dry_run` works out the same report and stores nothing.
    """
    if not files:
        raise UsageError("Give at least one file to import.")
    readings = []
    problems = []
    for filename, data in files:
        try:
            reading = practice_files.read(data, commissioner)
        except UsageError as e:
            raise UsageError(f"{filename}: {e.message}") from None
        problems += [f"{filename}:{line}: {what}" for line, what in reading.problems]
        readings.append((filename, reading))
    if problems:
        shown = "\n".join(problems[:20]) + (
            f"\n…and {len(problems) - 20} more" if len(problems) > 20 else ""
        )
        raise UsageError(f"Nothing was imported: fix these rows and import again.\n{shown}")
    report = ImportReport(kinds=[r.kind for _, r in readings], dry_run=dry_run)
    with uow:
        programme = uow.programmes.get(programme_id)
        if programme is None:
            raise NotFound("That programme is no longer there.")
        require_admin(uow, actor, programme, "import member practices")
        known = uow.stakeholders.codes(programme.id)
        by_hand = {} if overwrite else _set_by_hand(uow, programme.id)
        # Files that bring names first, so a list-size file given alongside can size new practices.
        for filename, reading in sorted(readings, key=lambda fr: fr[1].kind == "list-sizes"):
            if reading.skipped:
                report.left_out.append(
                    f"{filename}: {reading.skipped} rows that are not active GP practices of {commissioner}"
                )
            sizes_only_missing = 0
            for row in reading.rows:
                s = known.get(row.code)
                if s is None:
                    if reading.kind == "list-sizes":
                        sizes_only_missing += 1
                        continue
                    s = uow.stakeholders.create(
                        programme_id=programme.id,
                        type="practice",
                        name=row.name,
                        code=row.code,
                        list_size=row.list_size,
                        group_name=row.group,
                        postcode=row.postcode,
                    )
                    known[row.code] = s
                    audit(
                        uow,
                        actor,
                        programme,
                        "stakeholder.import",
                        "stakeholder",
                        s.id,
                        after=snapshot(s),
                    )
                    report.added.append(row.code)
                    report.details.append(
                        f"add {row.code} {row.name}"
                        + (f", list size {row.list_size:,}" if row.list_size is not None else "")
                        + (f", group {row.group}" if row.group else "")
                    )
                    continue
                before = snapshot(s)
                updates = {
                    "name": row.name,
                    "list_size": row.list_size,
                    "group_name": row.group,
                    "postcode": row.postcode,
                }
                changes = []
                for attr, value in updates.items():
                    if value is None or getattr(s, attr) == value:
                        continue
                    label = IMPORTED_FIELDS[attr]
                    if attr in by_hand.get(s.id, ()):
                        report.kept.append(
                            f"{s.code} {s.name}: {label} {_shown(getattr(s, attr))} "
                            f"(the file has {_shown(value)})"
                        )
                        continue
                    changes.append(f"{label} {_shown(getattr(s, attr))} → {_shown(value)}")
                    setattr(s, attr, value)
                if s.removed_at is not None and reading.kind != "list-sizes":
                    s.removed_at = None
                    changes.append("back in the register")
                after = snapshot(s)
                if after != before:
                    audit(
                        uow,
                        actor,
                        programme,
                        "stakeholder.import",
                        "stakeholder",
                        s.id,
                        before,
                        after,
                    )
                    if row.code not in report.added and row.code not in report.changed:
                        report.changed.append(row.code)
                    report.details.append(f"change {s.code} {before['name']}: {', '.join(changes)}")
                else:
                    report.unchanged += 1
            if sizes_only_missing:
                report.left_out.append(
                    f"{filename}: {sizes_only_missing} practices that are not in the register"
                )
        if not dry_run:
            uow.commit()
    return report
