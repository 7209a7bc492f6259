"""A stakeholder's ratings, influence and interest, and the quadrant of the map they put it in.

Each rating is 1 to 5; 3 and above counts as high, so a middling rating errs
towards more attention, never less. The quadrants are the usual power/interest
grid's. Both the stakeholder map and the coverage report (which names the
"manage closely" stakeholders not heard from) read them here.
"""

from __future__ import annotations

LOWEST, HIGHEST = 1, 5
HIGH = 3  # a rating of 3 or more is high

MANAGE_CLOSELY = "manage closely"
KEEP_SATISFIED = "keep satisfied"
KEEP_INFORMED = "keep informed"
MONITOR = "monitor"
# (quadrant, who is in it, what to do): in the order the map lists them.
QUADRANTS = (
    (
        MANAGE_CLOSELY,
        "high influence, high interest",
        "involve them fully and hear from them often",
    ),
    (KEEP_SATISFIED, "high influence, lower interest", "meet their needs without overloading them"),
    (KEEP_INFORMED, "lower influence, high interest", "keep them told and listen to them"),
    (MONITOR, "lower influence, lower interest", "watch for change, with little effort"),
)


def quadrant(influence: int, interest: int) -> str:
    if influence >= HIGH:
        return MANAGE_CLOSELY if interest >= HIGH else KEEP_SATISFIED
    return KEEP_INFORMED if interest >= HIGH else MONITOR
