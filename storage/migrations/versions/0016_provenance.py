"""Provenance: the programme's model, where each template date and duty comes from, which
dates are provisional, and what kind each duty is.

Existing co-commissioning programmes are brought in line with the sources: their template
duties get a kind and a source, and lose the two section numbers that the sources do not
cite (for the HWBB's opinion and for conflicts of interest); template deadlines of a cycle
other than 2014/15 become provisional. The values are a snapshot of the template when this
revision was written.

Revision ID: 0016_provenance
Revises: 0015_people
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_provenance"
down_revision = "0015_people"
branch_labels = None
depends_on = None

DOCUMENTED_YEAR = 2014
# template duty key -> (kind, section of the Act or None, sources)
DUTIES = {
    "choose-model": (
        "local",
        None,
        "NHS England letter, 18 Dec 2014, section A (the three models of Next "
        "steps); Southern Derbyshire CCG report to its Health and Wellbeing "
        "Board, 15 Jan 2015, Submission Requirements",
    ),
    "committee-lay-majority": (
        "guidance",
        None,
        "Southern Derbyshire CCG report to its Health and Wellbeing "
        "Board, 15 Jan 2015, Options (NHS England's model "
        "governance framework); Hillingdon CCG report to its Health "
        "and Wellbeing Board, 17 Mar 2015, recommendation 3",
    ),
    "conflicts-of-interest": (
        "statutory",
        None,
        "NHS England letter inviting expressions of interest, May "
        "2014, section F (Governance); NHS England statutory "
        "guidance on managing conflicts of interest, 18 Dec 2014",
    ),
    "eoi-a": (
        "guidance",
        None,
        "NHS England letter inviting expressions of interest, May 2014, paragraph 8, section A",
    ),
    "eoi-b": (
        "guidance",
        None,
        "NHS England letter inviting expressions of interest, May 2014, paragraph 8, section B",
    ),
    "eoi-c": (
        "guidance",
        None,
        "NHS England letter inviting expressions of interest, May 2014, paragraph 8, section C",
    ),
    "eoi-d": (
        "guidance",
        None,
        "NHS England letter inviting expressions of interest, May 2014, paragraph 8, section D",
    ),
    "eoi-e": (
        "guidance",
        None,
        "NHS England letter inviting expressions of interest, May 2014, paragraph 8, section E",
    ),
    "eoi-f": (
        "guidance",
        None,
        "NHS England letter inviting expressions of interest, May 2014, paragraph 8, section F",
    ),
    "eoi-g": (
        "guidance",
        None,
        "NHS England letter inviting expressions of interest, May 2014, paragraph 8, section G",
    ),
    "eoi-h": (
        "guidance",
        None,
        "NHS England letter inviting expressions of interest, May 2014, paragraph 8, section H",
    ),
    "healthwatch-representative": (
        "guidance",
        None,
        "Hillingdon CCG report to its Health and Wellbeing "
        "Board, 17 Mar 2015, recommendation 2 (reporting NHS "
        "England's arrangements; the national document is not "
        "named)",
    ),
    "hwbb-agree-invitee": (
        "guidance",
        None,
        "NHS England letter, 18 Dec 2014, section B; NW London CCGs' "
        "update for Health and Wellbeing Boards, undated, after 18 Dec "
        "2014, para 9.6",
    ),
    "hwbb-draft-plan": (
        "statutory",
        "NHS Act 2006 s14Z13(4)",
        "NHS England letter, 18 Dec 2014, Annex A; NW London CCGs' update "
        "for Health and Wellbeing Boards, undated, after 18 Dec 2014, para "
        "9.1",
    ),
    "hwbb-opinion": (
        "statutory",
        None,
        "NHS England letter, 18 Dec 2014, Annex A; NW London CCGs' update for "
        "Health and Wellbeing Boards, undated, after 18 Dec 2014, para 9.2",
    ),
    "hwbb-opinion-statement": (
        "statutory",
        "NHS Act 2006 s14Z13(8)",
        "NHS England letter, 18 Dec 2014, Annex A; NW London CCGs' "
        "update for Health and Wellbeing Boards, undated, after 18 "
        "Dec 2014, para 9.3",
    ),
    "hwbb-standing-invitation": (
        "guidance",
        None,
        "NHS England letter, 18 Dec 2014, section B; NW London "
        "CCGs' update for Health and Wellbeing Boards, undated, "
        "after 18 Dec 2014, para 9.5",
    ),
    "member-practice-support": (
        "constitution",
        None,
        "NW London CCGs' update for Health and Wellbeing Boards, "
        "undated, after 18 Dec 2014, para 7.6; Hillingdon CCG "
        "report to its Health and Wellbeing Board, 17 Mar 2015, "
        "section 3",
    ),
    "revision-consult": (
        "statutory",
        "NHS Act 2006 s14Z12",
        "NHS England letter, 18 Dec 2014, Annex A; NW London CCGs' update "
        "for Health and Wellbeing Boards, undated, after 18 Dec 2014, "
        "para 9.4",
    ),
    "revision-copy": (
        "statutory",
        "NHS Act 2006 s14Z12",
        "NHS England letter, 18 Dec 2014, Annex A; NW London CCGs' update "
        "for Health and Wellbeing Boards, undated, after 18 Dec 2014, para "
        "9.4",
    ),
}
# template deadline key -> sources
DEADLINES = {
    "delegated-proforma": "NW London CCGs' update for Health and Wellbeing Boards, undated, "
    "after 18 Dec 2014, para 8.6; Southern Derbyshire CCG report to its "
    "Health and Wellbeing Board, 15 Jan 2015, Submission Requirements",
    "expression-of-interest": "NHS England letter inviting expressions of interest, May 2014, "
    "opening and Conclusion; NHS England press notice, 1 May 2014",
    "joint-proforma": "Southern Derbyshire CCG report to its Health and Wellbeing Board, 15 "
    "Jan 2015, Submission Requirements",
    "member-vote": "Hillingdon CCG report to its Health and Wellbeing Board, 17 Mar 2015, "
    "section 3; NW London CCGs' update for Health and Wellbeing Boards, "
    "undated, after 18 Dec 2014, para 7.6",
    "new-arrangements": "Southern Derbyshire CCG report to its Health and Wellbeing Board, 15 "
    "Jan 2015, Submission Requirements; Hillingdon CCG report to its "
    "Health and Wellbeing Board, 17 Mar 2015, Summary",
}


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): SQLite adds columns in place, whereas a batch copy of the
    # deadline table would cascade-delete its owners and snoozes when the old table is dropped.
    op.add_column("programme", sa.Column("model", sa.String(length=32), nullable=True))
    op.add_column("deadline", sa.Column("source", sa.Text(), nullable=True))
    op.add_column(
        "deadline",
        sa.Column("provisional", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "duty", sa.Column("kind", sa.String(length=16), nullable=False, server_default="local")
    )
    op.add_column("duty", sa.Column("source", sa.Text(), nullable=True))
    op.add_column("duty", sa.Column("due_anchor", sa.String(length=64), nullable=True))
    op.add_column("duty", sa.Column("due_note", sa.Text(), nullable=True))
    op.add_column(
        "duty", sa.Column("provisional", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    programme = sa.table(
        "programme",
        sa.column("id", sa.Integer),
        sa.column("template", sa.String),
        sa.column("year", sa.Integer),
        sa.column("model", sa.String),
    )
    deadline = sa.table(
        "deadline",
        sa.column("programme_id", sa.Integer),
        sa.column("template_key", sa.String),
        sa.column("source", sa.Text),
        sa.column("provisional", sa.Boolean),
    )
    duty = sa.table(
        "duty",
        sa.column("programme_id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("kind", sa.String),
        sa.column("statute", sa.String),
        sa.column("source", sa.Text),
    )
    rows = bind.execute(
        sa.select(programme.c.id, programme.c.year).where(
            programme.c.template == "co-commissioning"
        )
    ).all()
    for pid, year in rows:
        bind.execute(sa.update(programme).where(programme.c.id == pid).values(model="undecided"))
        for key, source in DEADLINES.items():
            bind.execute(
                sa.update(deadline)
                .where(deadline.c.programme_id == pid, deadline.c.template_key == key)
                .values(source=source, provisional=year != DOCUMENTED_YEAR)
            )
        for key, (kind, statute, source) in DUTIES.items():
            bind.execute(
                sa.update(duty)
                .where(
                    duty.c.programme_id == pid,
                    sa.or_(duty.c.key == key, duty.c.key.like(key + ":%")),
                )
                .values(kind=kind, statute=statute, source=source)
            )


def downgrade() -> None:
    # Plain DROP COLUMN, as upgrade adds them: a batch copy would cascade-delete child rows.
    for name in ("provisional", "due_note", "due_anchor", "source", "kind"):
        op.drop_column("duty", name)
    op.drop_column("deadline", "provisional")
    op.drop_column("deadline", "source")
    op.drop_column("programme", "model")
