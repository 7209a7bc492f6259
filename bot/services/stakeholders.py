"""The stakeholder register: add, list, show, link, remove, import."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import clock, practice_files, programme_templates
from .. import duties as duty_rules
from ..context import Actor
from ..errors import Conflict, NotFound, UsageError
from ..ports import UnitOfWork
from ..stakeholder_types import TYPES
from ..typed_text import clean_typed
from .access import audit, programme_for, require_admin, snapshot
from .duties import ensure_template_duties

MAX_NAME = 200


def resolve(uow: UnitOfWork, programme, ref: str):
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
):
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
):
    with uow:
        programme = programme_for(uow, actor, channel_id)
        return programme, uow.stakeholders.list(programme.id, type, group)


def show_stakeholder(actor: Actor, channel_id: str, ref: str, uow: UnitOfWork):
    with uow:
        programme = programme_for(uow, actor, channel_id)
        return programme, resolve(uow, programme, ref)


def link_stakeholder(actor: Actor, channel_id: str, ref: str, user_id: str | None, uow: UnitOfWork):
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


def remove_stakeholder(actor: Actor, channel_id: str, ref: str, uow: UnitOfWork):
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change the stakeholder register")
        s = resolve(uow, programme, ref)
        before = snapshot(s)
        s.removed_at = clock.now()
        audit(uow, actor, programme, "stakeholder.remove", "stakeholder", s.id, before, snapshot(s))
        uow.commit()
        return s


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    left_out: list[str] = field(default_factory=list)  # why rows were not taken
    kinds: list[str] = field(default_factory=list)


def import_practices(
    actor: Actor,
    programme_id: int,
    files: list[tuple[str, bytes | str]],
    uow: UnitOfWork,
    commissioner: str | None = None,
) -> ImportReport:
    """Add or update member practices from NHS Digital's files or a plain CSV.

    All or nothing: any bad row is reported by file and line and nothing is stored.
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
        problems += [f"{filename} {p}" for p in reading.problems]
        readings.append((filename, reading))
    if problems:
        shown = "\n".join(problems[:20]) + (
            f"\n…and {len(problems) - 20} more" if len(problems) > 20 else ""
        )
        raise UsageError(f"Nothing was imported: fix these rows and import again.\n{shown}")
    report = ImportReport(kinds=[r.kind for _, r in readings])
    with uow:
        programme = uow.programmes.get(programme_id)
        require_admin(uow, actor, programme, "import member practices")
        known = uow.stakeholders.codes(programme.id)
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
                    continue
                before = snapshot(s)
                updates = {
                    "name": row.name,
                    "list_size": row.list_size,
                    "group_name": row.group,
                    "postcode": row.postcode,
                }
                for attr, value in updates.items():
                    if value is not None:
                        setattr(s, attr, value)
                if s.removed_at is not None and reading.kind != "list-sizes":
                    s.removed_at = None
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
                else:
                    report.unchanged += 1
            if sizes_only_missing:
                report.left_out.append(
                    f"{filename}: {sizes_only_missing} practices that are not in the register"
                )
        uow.commit()
    return report
