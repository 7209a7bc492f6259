"""The engagement form: building it, reading what was entered, the picker's values."""

from dataclasses import dataclass
from datetime import date

from blocks.engagement import (
    engagement_form,
    form_values,
    picker_options,
    picker_value,
    read_metadata,
    read_picked,
)
from bot.grammar import list_items
from handlers.commands.engage import _join_lists


@dataclass
class P:
    id: int
    name: str


@dataclass
class S:
    id: int
    name: str
    code: str | None


def test_form_prefills_summary_and_carries_its_source():
    view = engagement_form(
        [P(3, "Hillingdon")],
        date(2015, 1, 5),
        channel_id="C9",
        source="shortcut",
        summary="x" * 5000,
        permalink="https://slack.com/archives/C9/p1",
    )
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["date"]["element"]["initial_date"] == "2015-01-05"
    assert len(by_id["summary"]["element"]["initial_value"]) == 3000
    meta = read_metadata(view["private_metadata"])
    assert meta == {"p": [3], "c": "C9", "s": "shortcut", "l": "https://slack.com/archives/C9/p1"}
    assert len(view["blocks"]) < 100


def test_form_values_and_picker_round_trip():
    values = {
        "stakeholders": {
            "stakeholders": {
                "selected_options": [
                    {"value": picker_value(3, 11)},
                    {"value": picker_value(3, group="North locality")},
                    {"value": "junk"},
                ]
            }
        },
        "position": {"position": {"selected_option": {"value": "none"}}},
        "summary": {"summary": {"value": "Met"}},
    }
    got = form_values({"state": {"values": values}})
    assert got["position"] is None and got["summary"] == "Met" and got["kind"] is None
    assert read_picked(got["picked"]) == {3: ([11], ["North locality"])}


def test_picker_groups_options_by_programme_when_there_are_several():
    one = picker_options([(P(1, "A"), [S(5, "Acorn", "E85001")], [])])
    assert one == {
        "options": [
            {
                "text": {"type": "plain_text", "text": "Acorn (E85001)", "emoji": True},
                "value": "1:s:5",
            }
        ]
    }
    two = picker_options([(P(1, "A"), [S(5, "Acorn", None)], []), (P(2, "B"), [], [])])
    assert [g["label"]["text"] for g in two["option_groups"]] == ["A"]


def test_stakeholder_lists_typed_with_spaces_after_commas_stay_one_list():
    assert _join_lists(["E85001,", "E85002", "meeting", "x"]) == [
        ["E85001,", "E85002"],
        ["meeting"],
        ["x"],
    ]
    assert _join_lists(["E85001", ",E85002", "call"]) == [["E85001", ",E85002"], ["call"]]
    assert list_items(["E85001", ",E85002"]) == ["E85001", "E85002"]
