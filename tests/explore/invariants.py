"""What must hold of a programme after any sequence of commands, read through the services'
own view models (the ones coverage, the digest, the Home tab and the evidence pack render)."""

from __future__ import annotations

from bot import clock
from bot import duties as duty_rules
from bot import votes as vote_rules
from bot.digest import COVERAGE_DAYS, window_before
from bot.services import votes as vote_service
from bot.services.audit_trail import describe, verify_trail
from bot.services.coverage import MAX_DAYS, coverage_report, home_for, show_coverage
from bot.services.digests import compose
from bot.services.evidence import build_pack_pdf, compute, gather, render_pack

from ..slack_stub import block_kit_problems

UNKNOWN_POSITION = {"unknown": "no position stated"}


def check_programme(world, programme, pdf: bool) -> None:
    from blocks.digest import digest_messages, render_digest
    from blocks.home import home_view

    from .world import ACTOR, CHANNEL

    services = world.services
    pid = programme.id
    today = clock.today_in(programme.timezone)

    # The audit trail is intact.
    trail = verify_trail(services.new_uow(), pid)
    assert trail.verdict.intact, f"audit verify fails: {describe(trail)}"

    # `/consult coverage` (a read model kept between requests) is what the records say now.
    cached = show_coverage(ACTOR, CHANNEL, services.new_uow())
    with services.new_uow() as uow:
        programme = uow.programmes.get(pid)
        fresh = coverage_report(uow, programme, COVERAGE_DAYS, today)
        ever = coverage_report(uow, programme, MAX_DAYS, today)
        digest = compose(uow, programme, window_before(clock.now(), programme.timezone), today)
        records = gather(uow, programme)
        duties = uow.duties.list(pid, states=duty_rules.STATES + (duty_rules.CANCELLED,))
        evidence = uow.duties.evidence_counts(pid)
        open_votes = list(uow.votes.open_votes(pid))
        tallies = {v.id: vote_service.count_vote(uow, v)[1] for v in open_votes}
    assert cached == fresh, "`/consult coverage` shows figures older than the records"

    # The Home tab and the digest count coverage as `/consult coverage` does.
    home = home_for(ACTOR, services.new_uow())
    mine = [h for h in home.programmes if h.programme.id == pid]
    assert mine, "the programme's admin does not see it on the Home tab"
    assert mine[0].report == fresh, "the Home tab's coverage differs from `/consult coverage`"
    assert digest.coverage == fresh, "the digest's coverage differs from `/consult coverage`"
    problems = block_kit_problems("views.publish", {"view": home_view(home)})
    for message in digest_messages(render_digest(digest)):
        problems += block_kit_problems(
            "chat.postMessage", {"text": message.text, "blocks": message.blocks}
        )
    assert not problems, f"Block Kit Slack would refuse: {problems[0]}"

    # The evidence pack renders, and counts what coverage counts.
    pack = compute(records)
    seen = (pack.fingerprint, today)
    if seen not in world.packs_rendered:  # the same figures on the same day render the same
        render_pack(pack, clock.now())
        world.packs_rendered.add(seen)
    if pdf and ("pdf", *seen) not in world.packs_rendered:
        build_pack_pdf(services.new_uow(), pid)
        world.packs_rendered.add(("pdf", *seen))
    engaged_ever = sum(t.engaged for t in ever.types)
    assert pack.totals["engaged"] == engaged_ever, (
        f"the pack says {pack.totals['engaged']} stakeholders engaged, coverage says {engaged_ever}"
    )
    pack_types = {t.type: (t.in_register, t.engaged) for t in pack.types if t.in_register}
    coverage_types = {t.type: (t.total, t.engaged) for t in ever.types}
    assert pack_types == coverage_types, (
        f"register and engaged by type: pack {pack_types}, coverage {coverage_types}"
    )
    pack_positions = {label: n for label, n, _ in pack.practice_positions}
    coverage_positions = {
        UNKNOWN_POSITION.get(p.position, p.position): p.count for p in fresh.positions
    }
    assert pack_positions == coverage_positions, (
        f"practices by position: pack {pack_positions}, coverage {coverage_positions}"
    )

    # Duties: the same states in coverage, the digest and the pack; none done without evidence.
    states = {d.id: d.state for d in duties if d.state != duty_rules.CANCELLED}
    open_ids = {i for i, s in states.items() if s == duty_rules.OPEN}
    assert {d.id for d in fresh.duties} == open_ids, (
        "coverage's open duties differ from the records"
    )
    open_now = len(open_ids)
    assert digest.open_duties == open_now, (
        f"the digest counts {digest.open_duties} open duties, the records {open_now}"
    )
    statutory = [
        d for d in duties if d.section == duty_rules.DUTY and d.state != duty_rules.CANCELLED
    ]
    for state in duty_rules.STATES:
        want = sum(1 for d in statutory if d.state == state)
        assert pack.duty_counts.get(state, 0) == want, (
            f"the pack counts {pack.duty_counts.get(state, 0)} duties {state}, the records {want}"
        )
    for d in duties:
        if d.state == duty_rules.DONE and not evidence.get(d.id):
            raise AssertionError(f"duty {d.id} ({d.title[:60]}) is done without evidence")
    # A vote is a duty's evidence only when linked to it and carried under its own rule.
    for duty_id, vote_id in world.ids_pairs(
        "SELECT e.duty_id, e.vote_id FROM duty_evidence e JOIN duty d ON d.id = e.duty_id"
        " WHERE d.programme_id = :p AND e.kind = 'vote'",
        p=pid,
    ):
        vote = next((v for v in records.votes if v.id == vote_id), None)
        assert vote is not None and vote.duty_id == duty_id, (
            f"vote {vote_id} is evidence of duty {duty_id} without being linked to it"
        )
        assert vote.state == "closed" and vote_rules.stored_result(vote).get("carried"), (
            f"vote {vote_id} is evidence of duty {duty_id} but did not carry"
        )

    # Each open vote's turnout is the same in the tally, the digest and the pack.
    pack_votes = {v.id: v.tally for v in pack.votes}
    digest_turnout = sorted(s.tally.practices.turnout for s in digest.votes)
    assert digest_turnout == sorted(t.practices.turnout for t in tallies.values()), (
        "the digest's vote turnout differs from `/consult vote tally`"
    )
    for vote_id, tally in tallies.items():
        assert pack_votes[vote_id].practices == tally.practices, (
            f"vote {vote_id}: the pack counts {pack_votes[vote_id].practices}, "
            f"`/consult vote tally` {tally.practices}"
        )
