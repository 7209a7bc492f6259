"""Random sequences of real `/consult` commands, through the shell's dispatcher, on one
programme, with the clock moving between them; the invariants (tests/explore/invariants.py)
are checked after every step. Hypothesis shrinks a failing sequence; its message is the
sequence as shell input.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bot import clock

from .world import World

STARTS = [
    datetime(2014, 5, 12, 9, 0, tzinfo=UTC),  # before the 2014/15 expression of interest
    datetime(2014, 12, 1, 9, 30, tzinfo=UTC),  # between the proformas' letter and their dates
    datetime(2015, 2, 20, 10, 0, tzinfo=UTC),  # near the member vote
    datetime(2026, 12, 6, 9, 0, tzinfo=UTC),  # mid-cycle, as issue 23 was found
    datetime(2027, 3, 29, 8, 0, tzinfo=UTC),  # the clocks have just gone forward
]
MODELS = ["greater-involvement", "joint", "delegated", "undecided"]
YEARS = [None, 2014, 2026, 2027]
PEOPLE = ["@admin", "@pat", "@sam"]
OTHERS = {
    "hwbb": ["Hillingdon HWBB", "Harrow HWBB", "Ealing HWBB"],
    "lmc": ["Londonwide LMC"],
    "healthwatch": ["Healthwatch Hillingdon"],
    "patient-group": ["Patient Reference Group"],
    "nhse": ["NHS England London"],
}
# The service-change template: ICBs took over from CCGs on 1 July 2022 (the template
# refuses a decision before then), and the bodies it engages.
ICBS_BEGAN = date(2022, 7, 1)
ICB_OTHERS = [
    ("hosc", "North County Council HOSC"),
    ("vcse", "North Stroke Association"),
    ("healthwatch", "Healthwatch North"),
    ("provider", "North Hospitals NHS Trust"),
]
GROUPS = [None, "North", "South"]
KINDS = ["meeting", "email", "letter", "call", "event", "survey", "board-paper", "other"]
POSITIONS = [None, "support", "oppose", "undecided", "neutral"]
ISSUES = ["list-size funding", "estates", "conflicts of interest", "workforce"]
ISSUE_STATES = ["responded", "plan-changed", "not-taken-forward", "open"]
CHOICES = ["for", "against", "abstain"]
READS = [
    "coverage",
    "coverage practice",
    "duties",
    "duties eoi",
    "duties gunning",
    "templates",
    "deadlines",
    "deadlines --all",
    "actions",
    "issues",
    "vote list",
    "vote tally",
    "roles",
    "export engagements",
    "export issues",
    "export ballots",
    "evidence",
    "retention",
    "engage",  # no arguments: the form
    "digest",
    "calendar",
]

picks = st.integers(min_value=0, max_value=10_000)


def day(d: date) -> str:
    """A date as people type it: 4 Mar 2015."""
    return f"{d.day} {d:%b %Y}"


def quoted(name: str) -> str:
    return f'"{name}"'


class ConsultMachine(RuleBasedStateMachine):
    engine_name = "sqlite"

    def __init__(self):
        super().__init__()
        self.world: World | None = None
        self.set_up = False
        self.turn = 0

    def teardown(self):
        if self.world is not None:
            if os.environ.get("EXPLORE_SHOW"):  # every sequence run, as the shell would show it
                print(self.world.out.out.getvalue() + "\n# ----")
            self.world.close()

    # -- reading what the next step can name

    def _pid(self) -> int:
        return self.world.programme().id

    def _pick(self, sql: str, pick: int, missing=999):
        found = self.world.ids(sql, p=self._pid())
        return found[pick % len(found)] if found else missing

    def stakeholder(self, pick: int, type_: str | None = None) -> str:
        rows = self.world.ids(
            "SELECT coalesce(code, name) FROM stakeholder WHERE programme_id = :p"
            " AND removed_at IS NULL"
            + (f" AND type = '{type_}'" if type_ else "")
            + " ORDER BY id",
            p=self._pid(),
        )
        if not rows:
            return "E99999"
        ref = rows[pick % len(rows)]
        return ref if " " not in ref else quoted(ref)

    def today(self) -> date:
        return clock.today_in("Europe/London")

    def run(self, line: str) -> list[str]:
        return self.world.run("/consult " + line)

    # -- the programme

    @initialize(start=st.sampled_from(STARTS))
    def begin(self, start):
        self.world = World(start, self.engine_name)

    @precondition(lambda self: not self.set_up and self.today() >= ICBS_BEGAN)
    @rule(
        weeks=st.integers(min_value=6, max_value=160),
        others=st.sets(st.sampled_from(ICB_OTHERS), min_size=1),
    )
    def setup_service_change(self, weeks, others):
        """An ICB's service change consultation, its decision some weeks ahead, and the
        bodies it engages (the rules that follow use whatever template the programme has)."""
        decision = day(self.today() + timedelta(weeks=weeks))
        self.run(
            f'setup "North ICB stroke services" --template service-change --decision {decision}'
        )
        self.set_up = self.world.programme() is not None
        for type_, name in sorted(others):
            self.run(f"stakeholder add {type_} {quoted(name)}")

    @precondition(lambda self: not self.set_up)
    @rule(
        model=st.sampled_from(MODELS),
        year=st.sampled_from(YEARS),
        practices=st.integers(min_value=2, max_value=6),
        boards=st.integers(min_value=0, max_value=2),
    )
    def setup(self, model, year, practices, boards):
        """A programme, and usually a first register: practices from a file, the HWBBs."""
        year_opt = f" --year {year}" if year else ""
        self.run(
            f'setup "Hillingdon co-commissioning" --template co-commissioning{year_opt} --model {model}'
        )
        self.set_up = self.world.programme() is not None
        if not self.set_up:
            return
        if practices:
            rows = [
                f"E85{n:03d},Practice {n:02d} Surgery,{1000 * n},{GROUPS[n % 3] or ''}"
                for n in range(1, practices + 1)
            ]
            self.world.write_file(
                "practices.csv", "\n".join(["code,name,list_size,group", *rows]) + "\n"
            )
            self.run("stakeholder import practices.csv")
            self.run("stakeholder link E85001 @admin")
        for name in OTHERS["hwbb"][:boards]:
            self.run(f"stakeholder add hwbb {quoted(name)}")

    @precondition(lambda self: self.set_up)
    @rule(model=st.sampled_from(MODELS))
    def change_model(self, model):
        self.run(f"programme model {model}")

    @precondition(lambda self: self.set_up)
    @rule(hours=st.integers(min_value=1, max_value=24 * 45))
    def time_passes(self, hours):
        self.world.move_clock(timedelta(hours=hours))

    @precondition(lambda self: self.set_up)
    @rule(what=st.sampled_from(READS))
    def read(self, what):
        self.run(what)

    # -- the register

    @precondition(lambda self: self.set_up)
    @rule(
        n=st.integers(min_value=1, max_value=12),
        size=st.integers(min_value=0, max_value=20_000),
        group=st.sampled_from(GROUPS),
    )
    def add_practice(self, n, size, group):
        group_opt = f' --group "{group}"' if group else ""
        self.run(
            f'stakeholder add practice "Practice {n:02d} Surgery" --code E85{n:03d}'
            f" --list-size {size}{group_opt}"
        )

    @precondition(lambda self: self.set_up)
    @rule(type_=st.sampled_from(sorted(OTHERS)), pick=picks)
    def add_other(self, type_, pick):
        names = OTHERS[type_]
        self.run(f"stakeholder add {type_} {quoted(names[pick % len(names)])}")

    @precondition(lambda self: self.set_up)
    @rule(
        rows=st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=16),
                st.integers(min_value=0, max_value=20_000),
                st.sampled_from(GROUPS),
            ),
            min_size=1,
            max_size=4,
        ),
        pick=picks,
    )
    def import_practices(self, rows, pick):
        name = f"practices-{pick % 100}.csv"
        lines = ["code,name,list_size,group"] + [
            f"E85{n:03d},Practice {n:02d} Surgery,{size},{group or ''}" for n, size, group in rows
        ]
        self.world.write_file(name, "\n".join(lines) + "\n")
        self.run(f"stakeholder import {name}")

    @precondition(lambda self: self.set_up)
    @rule(pick=picks)
    def remove_stakeholder(self, pick):
        self.run(f"stakeholder remove {self.stakeholder(pick)}")

    @precondition(lambda self: self.set_up)
    @rule(pick=picks, person=st.sampled_from(PEOPLE))
    def link_practice(self, pick, person):
        self.run(f"stakeholder link {self.stakeholder(pick, 'practice')} {person}")

    # -- engagement, issues and actions

    @precondition(lambda self: self.set_up)
    @rule(
        chosen=st.lists(picks, min_size=1, max_size=3),
        kind=st.sampled_from(KINDS),
        position=st.sampled_from(POSITIONS),
        issue=st.sampled_from([None, *ISSUES]),
        days_ago=st.integers(min_value=0, max_value=40),
    )
    def engage(self, chosen, kind, position, issue, days_ago):
        if len(chosen) > 1:
            who = ",".join(dict.fromkeys(self.stakeholder(p, "practice") for p in chosen))
        else:
            who = self.stakeholder(chosen[0])
        line = f'engage {who} {kind} "Talked about co-commissioning"'
        if days_ago:
            line += f" --date {day(self.today() - timedelta(days=days_ago))}"
        if position:
            line += f" --position {position}"
        if issue:
            line += f" --issue {quoted(issue)}"
        self.run(line)

    # Hypothesis favours the first of the rules it sorts (the one with fewest arguments): let that
    # be the everyday work, engaging the next stakeholder in turn.
    @precondition(lambda self: self.set_up)
    @rule()
    def engage_next(self):
        self.turn += 1
        who = self.stakeholder(self.turn)
        if who == "E99999":  # an empty register: someone joins it first
            self.add_practice(self.turn % 12 + 1, 1500, None)
            who = self.stakeholder(self.turn)
        position = POSITIONS[self.turn % len(POSITIONS)]
        kind = KINDS[self.turn % len(KINDS)]
        self.run(
            f'engage {who} {kind} "Went through the draft plan"'
            + (f" --position {position}" if position else "")
        )

    @precondition(lambda self: self.set_up)
    @rule(pick=picks)
    def withdraw_engagement(self, pick):
        eid = self._pick("SELECT id FROM engagement WHERE programme_id = :p ORDER BY id", pick)
        self.run(f"engagement withdraw {eid}")

    @precondition(lambda self: self.set_up)
    @rule(name=st.sampled_from(ISSUES))
    def add_issue(self, name):
        self.run(f"issue add {quoted(name)}")

    @precondition(lambda self: self.set_up)
    @rule(pick=picks, state=st.sampled_from(ISSUE_STATES), owner=st.sampled_from(PEOPLE))
    def respond_to_issue(self, pick, state, owner):
        iid = self._pick("SELECT id FROM raised_issue WHERE programme_id = :p ORDER BY id", pick)
        reason = ' --reason "Outside the CCG\'s powers"' if state == "not-taken-forward" else ""
        self.run(
            f'issue respond {iid} "We changed the plan" --state {state}{reason} --owner {owner}'
        )

    @precondition(lambda self: self.set_up)
    @rule(first=picks, second=picks)
    def merge_issues(self, first, second):
        sql = "SELECT id FROM raised_issue WHERE programme_id = :p ORDER BY id"
        self.run(f"issue merge {self._pick(sql, first)} {self._pick(sql, second)}")

    @precondition(lambda self: self.set_up)
    @rule(engagement=picks, issue=picks)
    def tag_engagement(self, engagement, issue):
        eid = self._pick(
            "SELECT id FROM engagement WHERE programme_id = :p ORDER BY id", engagement
        )
        iid = self._pick("SELECT id FROM raised_issue WHERE programme_id = :p ORDER BY id", issue)
        self.run(f"issue tag {eid} {iid}")

    @precondition(lambda self: self.set_up)
    @rule(owner=st.sampled_from(PEOPLE), due=st.integers(min_value=0, max_value=30))
    def add_action(self, owner, due):
        self.run(
            f'action add "Send the draft plan" --owner {owner} --due {day(self.today() + timedelta(days=due))}'
        )

    @precondition(lambda self: self.set_up)
    @rule(pick=picks)
    def finish_action(self, pick):
        self.run(
            f"action done {self._pick('SELECT id FROM action WHERE programme_id = :p ORDER BY id', pick)}"
        )

    # -- deadlines

    @precondition(lambda self: self.set_up)
    @rule(ahead=st.integers(min_value=0, max_value=120), owner=st.sampled_from([None, *PEOPLE]))
    def add_deadline(self, ahead, owner):
        owner_opt = f" --owner {owner}" if owner else ""
        self.run(
            f'deadline add "Locality plans" {day(self.today() + timedelta(days=ahead))}{owner_opt}'
        )

    @precondition(lambda self: self.set_up)
    @rule(
        pick=picks,
        verb=st.sampled_from(["done", "cancel", "confirm", "move"]),
        ahead=st.integers(min_value=-10, max_value=120),
    )
    def change_deadline(self, pick, verb, ahead):
        did = self._pick("SELECT id FROM deadline WHERE programme_id = :p ORDER BY id", pick)
        when = f" {day(self.today() + timedelta(days=ahead))}" if verb == "move" else ""
        self.run(f"deadline {verb} {did}{when}")

    # -- duties

    def _duty(self, pick: int) -> int:
        return self._pick("SELECT id FROM duty WHERE programme_id = :p ORDER BY id", pick)

    @precondition(lambda self: self.set_up)
    @rule(pick=picks, evidence=st.sampled_from([None, "url", "engagement"]), board=picks)
    def complete_duty(self, pick, evidence, board):
        line = f"duty done {self._duty(pick)}"
        if evidence == "url":
            line += " --evidence https://example.org/plan.pdf"
        elif evidence == "engagement":
            eid = self._pick("SELECT id FROM engagement WHERE programme_id = :p ORDER BY id", pick)
            line += f" --evidence {eid}"
        title = self.world.ids("SELECT title FROM duty WHERE id = :d", d=self._duty(pick))
        if title and title[0].startswith("Agree with the Health and Wellbeing Boards"):
            line += f" --board {self.stakeholder(board, 'hwbb')}"
        self.run(line)

    @precondition(lambda self: self.set_up)
    @rule(pick=picks, verb=st.sampled_from(["na", "reopen", "evidence", "owner"]))
    def change_duty(self, pick, verb):
        arg = {
            "na": ' "Not for this CCG"',
            "reopen": "",
            "evidence": " https://example.org/minutes.pdf",
            "owner": " @pat",
        }[verb]
        self.run(f"duty {verb} {self._duty(pick)}{arg}")

    # -- votes

    @precondition(lambda self: self.set_up)
    @rule(
        closes=st.integers(min_value=1, max_value=30),
        rule_=st.sampled_from(["simple", "absolute", "two-thirds"]),
        quorum=st.sampled_from([None, 50, 75]),
        weighted=st.booleans(),
        group=st.sampled_from(GROUPS),
        duty=st.one_of(st.none(), picks),
    )
    def open_vote(self, closes, rule_, quorum, weighted, group, duty):
        line = (
            f'vote open "Take on joint commissioning?" --closes '
            f"{day(self.today() + timedelta(days=closes))} --rule {rule_}"
        )
        line += f" --quorum {quorum}%" if quorum else ""
        line += " --weighted" if weighted else ""
        line += f' --group "{group}"' if group else ""
        line += f" --duty {self._duty(duty)}" if duty is not None else ""
        self.run(line)

    @precondition(lambda self: self.set_up)
    @rule(duty=picks, vote=picks)
    def decide_duty_by_vote(self, duty, vote):
        """A duty linked afterwards to a vote, open or closed."""
        vid = self._pick("SELECT id FROM vote WHERE programme_id = :p ORDER BY id", vote)
        self.run(f"duty done {self._duty(duty)} --vote {vid}")

    @precondition(lambda self: self.set_up)
    @rule(choice=st.sampled_from(CHOICES), pick=picks, officer=st.booleans())
    def cast_ballot(self, choice, pick, officer):
        practice = self.stakeholder(pick, "practice")
        if officer:  # the returning officer records a paper ballot
            self.run(f"vote record {practice} {choice} --method paper")
        else:  # what the buttons do, for the practice linked to the asker
            self.run(f"vote cast {choice} --practice {practice}")

    @precondition(lambda self: self.set_up)
    @rule(n=st.tuples(*[st.integers(min_value=0, max_value=6)] * 3))
    def set_tally(self, n):
        self.run(f"vote tally set --for {n[0]} --against {n[1]} --abstain {n[2]}")

    @precondition(lambda self: self.set_up)
    @rule(vote=st.one_of(st.none(), picks))
    def close_vote(self, vote):
        if vote is None:
            self.run("vote close")
        else:
            vid = self._pick("SELECT id FROM vote WHERE programme_id = :p ORDER BY id", vote)
            self.run(f"vote close --vote {vid}")

    # -- people and keeping

    @precondition(lambda self: self.set_up)
    @rule(person=st.sampled_from(["@pat", "@sam"]))
    def forget_person(self, person):
        self.run(f"person forget {person}")

    @precondition(lambda self: self.set_up)
    @rule(how=st.sampled_from(["6 years", "1 years", "archive", "reopen", "keep"]))
    def retention(self, how):
        self.run(f"retention {how}")

    # -- after every step

    @invariant()
    def holds(self):
        if self.world is not None:
            self.world.check()


def machine_on(engine_name: str):
    """The machine on another database engine."""
    return type(f"ConsultMachine_{engine_name}", (ConsultMachine,), {"engine_name": engine_name})
