"""A new programme under the service-change template, end to end in the local shell as an
ICB's engagement team would run it: set-up from the decision date, the stakeholders it
brings, engagement with issues raised and answered, duties done with evidence (an engagement,
a document), one not applicable, the Gunning checklist, no member vote, and the evidence pack
from the command line, with no co-commissioning section or wording in it."""

import re

from .test_http_and_shell import _run_app

NAME = "North ICB stroke services"
COMMANDS = f"""
/consult templates
/consult setup "{NAME}" --template service-change --decision 4/3/2031
/consult stakeholder add hosc "North County Council Health Overview and Scrutiny Committee"
/consult stakeholder add vcse "North Stroke Association"
/consult stakeholder add healthwatch "Healthwatch North"
/consult stakeholder add provider "North Hospitals NHS Trust"
/consult stakeholder add patient-group "Stroke survivors' group"
/consult stakeholder add local-authority "North County Council"
/consult issue add "Travel times to the hyperacute unit"
/consult engage Scrutiny meeting "Early briefing on the case for change and the options" --date 2/12/2026 --position undecided
/consult engage Association event "Listening event on #travel-times-to-the-hyperacute-unit" --date 3/12/2026 --position oppose
/consult engage Healthwatch email "How will carers reach the new unit?" --date 4/12/2026 --issue 1
/consult issue respond 1 "Added a free shuttle bus to the preferred option" --state plan-changed
/consult duty done 1 --evidence https://example.org/north-icb/duty-assessment.pdf
/consult duty done 6 --evidence 1
/consult duty done 24 --evidence https://example.org/north-icb/consultation-document.pdf
/consult duty na 13 "Not notifiable: consultation of the local authority began before 31 January 2024"
/consult coverage
/consult duties
/consult duties gunning
/consult deadlines
/consult duty show 6
/consult duty show 15
/consult digest now
/consult vote open "Close the unit?" --closes 1/3/2031
"""


def test_a_service_change_programme_runs_end_to_end_in_the_shell(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    out = _run_app(["shell", "--no-scheduler"], COMMANDS, env=env)
    text = out.stdout
    assert out.returncode == 0 and "Traceback" not in text + out.stderr
    assert "*service-change*: NHS service change consultation (Integrated Care Board)" in text
    assert f"set up the programme *{NAME}*" in text
    assert "Tue 4 Mar 2031: Decision by the ICB board" in text
    assert "Logged engagement #3: email with Healthwatch North" in text
    assert "is now *plan changed*" in text
    assert "Done: *1* Record whether the duty to involve applies" in text
    assert "Done: *6* Contact the health overview and scrutiny committee early" in text
    assert "Done: *24* 2. Enough information" in text
    assert "Not applicable: *13* Notify the Secretary of State" in text
    assert "19 open, 2 done, 1 not applicable" in text  # the 22 duties, after the three above
    assert "The length chosen: 12 weeks (Tue 24 Sep 2030 to Tue 17 Dec 2030)" in text
    assert (
        "10 dates are provisional: 10 are dates the programme placed back from its decision "
        "date (on working days), which no source gives"
    ) in text  # deadlines
    # What the log records, shown where a duty points to it.
    assert "Health overview and scrutiny committees engaged: 1 of 1 (latest Wed 2 Dec 2026)" in text
    assert 'From the log: Issues raised: 1, of which 1 answered ("you said, we did")' in text
    # Coverage lists the template's own types first, in its order.
    coverage = text.split("> /consult coverage", 1)[1].split("> /consult duties", 1)[0]
    assert (
        coverage.index("*Health overview and scrutiny committees*: 1 of 1 engaged")
        < (coverage.index("*Voluntary, community and social enterprise organisations*"))
        < coverage.index("*Healthwatch*")
        < coverage.index("*Local authorities*")
    )
    assert "WEEKLY DIGEST: NORTH ICB STROKE SERVICES" in text
    assert "Health overview and scrutiny committees" in text
    assert "has no member vote" in text

    pack = tmp_path / "pack.html"
    made = _run_app(["evidence", "--programme", NAME, "--out", str(pack)], env=env)
    assert made.returncode == 0, made.stderr
    html = pack.read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings[:7] == [
        "1. Summary",
        "2. How stakeholders, the scrutiny committee and communities were engaged",
        "3. You said, we did: the issues raised",
        "4. Duties by kind, with sources and evidence",
        "5. The Gunning principles",
        "6. Timeline of key dates",
        "7. Source documents",
    ]
    body = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    assert "member practice" not in body.lower() and "Member vote" not in body
    assert "with what the ICB did about each" in body
    assert "Added a free shuttle bus to the preferred option" in body
    assert "https://example.org/north-icb/consultation-document.pdf" in body
    assert "ICB constitution" in body and "Case law" in body
    assert "The length chosen: 12 weeks" in body
    assert "From the log: Issues raised: 1, of which 1 answered" in body
    assert body.index("Health overview and scrutiny committees") < body.index("Healthwatch")
    assert "Advice on length (advice, not law)" in body
    assert 'href="https://www.legislation.gov.uk:443/ukpga/2006/41/schedule/10A' in body
    assert "dates the programme placed back from its decision date" in body
    assert "What no source found sets" in body
    assert "How long the scrutiny committee has to comment" in body
