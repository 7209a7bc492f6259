"""The stakeholder register's vocabulary (SPEC sections 2 and 8): every template's types; each
template names the ones it brings (its `stakeholder_types`)."""

from __future__ import annotations

TYPES = [
    "practice",
    "lmc",
    "healthwatch",
    "hwbb",
    "nhse",
    "local-authority",
    "patient-group",
    "provider",
    "governing-body",
    "hosc",
    "vcse",
    "other",
]

TYPE_LABELS = {
    "practice": "Member practices",
    "lmc": "Local Medical Committee",
    "healthwatch": "Healthwatch",
    "hwbb": "Health and Wellbeing Boards",
    "nhse": "NHS England",
    "local-authority": "Local authorities",
    "patient-group": "Patient groups",
    "provider": "Providers",
    "governing-body": "Governing body",
    "hosc": "Health overview and scrutiny committees",
    "vcse": "Voluntary, community and social enterprise organisations",
    "other": "Others",
}

# Words people use for a type, mapped to the type.
TYPE_ALIASES = {
    "practices": "practice",
    "gp": "practice",
    "member": "practice",
    "members": "practice",
    "hwb": "hwbb",
    "la": "local-authority",
    "council": "local-authority",
    "ppg": "patient-group",
    "patients": "patient-group",
    "nhs-england": "nhse",
    "gb": "governing-body",
    "trust": "provider",
    "scrutiny": "hosc",
    "osc": "hosc",
    "voluntary": "vcse",
    "charity": "vcse",
}


def in_order(first: list[str] | None = None) -> list[str]:
    """Every type, a template's own ones first in its order (`first`), then the rest."""
    first = [t for t in (first or []) if t in TYPES]
    return first + [t for t in TYPES if t not in first]
