"""`/consult duties`, `/consult duty ...` and `/consult evidence` over signed HTTP, with the Slack stand-in."""


def test_duties_from_slack(sqlite_app):
    app = sqlite_app
    app.command('setup "Hillingdon" --template co-commissioning --year 2014')
    app.command('stakeholder add hwbb "Hillingdon <Health> Board"')
    listing = app.reply("duties")
    assert "Statutory duties" in listing and "5 open" in listing  # undecided: no committee yet
    assert "Hillingdon &lt;Health&gt; Board" in listing  # what people typed is escaped
    first = listing.split("○ *", 1)[1].split("*", 1)[0]
    reply = app.reply(f"duty done {first} --evidence https://example.org/plan.pdf")
    assert reply.startswith(f"Done: *{first}*") and "1 piece of evidence" in reply
    assert "1 evidence" in app.reply("duties")
    eoi = app.reply("duties eoi")
    assert "A. CCG(s) involved" in eoi and "H. Monitoring and evaluation" in eoi
    bad = app.reply(f"duty evidence {first} ftp://example.org/x")
    assert "https://" in bad and "Usage:" in bad
    refused = app.reply(f'duty na {first} "Not needed"', user="UOTHER")
    assert "Only the programme's admins" in refused and "<@UADMIN>" in refused
    assert "not a duty command" in app.reply("duty frobnicate")


def test_evidence_pack_is_sent_privately_to_an_admin(sqlite_app, slack):
    app = sqlite_app
    app.command('setup "Hillingdon" --template co-commissioning --year 2014')
    refused = app.reply("evidence", user="UOTHER")
    assert "Only the programme's admins can make the evidence pack" in refused
    assert slack.sent("files.getUploadURLExternal") == []
    reply = app.reply("evidence")
    assert "sent you the evidence pack" in reply
    [ask] = slack.sent("files.getUploadURLExternal")
    assert ask["filename"].startswith("evidence-pack-hillingdon-") and int(ask["length"]) > 5000
    [done] = slack.sent("files.completeUploadExternal")
    assert done["channel_id"] == "DUADMIN"  # the admin's direct message, not the channel


def test_evidence_pack_as_pdf_is_sent_privately(sqlite_app, slack):
    app = sqlite_app
    app.command('setup "Hillingdon" --template co-commissioning --year 2014')
    assert "takes nothing (HTML), `pdf` or `docx`" in app.reply("evidence odt")
    assert slack.sent("files.getUploadURLExternal") == []
    reply = app.reply("evidence pdf")
    assert "sent you the evidence pack" in reply and ".pdf" in reply
    [ask] = slack.sent("files.getUploadURLExternal")
    assert ask["filename"].startswith("evidence-pack-hillingdon-") and ask["filename"].endswith(
        ".pdf"
    )
    [done] = slack.sent("files.completeUploadExternal")
    assert done["channel_id"] == "DUADMIN"
    assert "A4 PDF" in done["initial_comment"]


def test_evidence_pack_as_word_is_sent_privately(sqlite_app, slack):
    import io

    import docx

    app = sqlite_app
    app.command('setup "Hillingdon" --template co-commissioning --year 2014')
    assert "takes nothing (HTML), `pdf` or `docx`" in app.reply("evidence docx please")
    assert slack.sent("files.getUploadURLExternal") == []
    reply = app.reply("evidence DOCX")
    assert "sent you the evidence pack" in reply and ".docx" in reply
    [ask] = slack.sent("files.getUploadURLExternal")
    assert ask["filename"].startswith("evidence-pack-hillingdon-")
    assert ask["filename"].endswith(".docx")
    [done] = slack.sent("files.completeUploadExternal")
    assert done["channel_id"] == "DUADMIN"  # the admin's direct message, not the channel
    assert "Word file" in done["initial_comment"]
    [upload] = [u for u in slack.uploads.values() if u.get("content")]
    document = docx.Document(io.BytesIO(upload["content"]))
    assert document.paragraphs[0].text == "Hillingdon"
    assert document.core_properties.title == "Hillingdon"
