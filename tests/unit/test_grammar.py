import pytest

from bot.errors import UsageError
from bot.grammar import choice, closest, parse, parse_int, parse_percent, tokenize, user_id


@pytest.mark.parametrize(
    "text,expected",
    [
        ('setup "Hillingdon CCG" --year 2014', ["setup", "Hillingdon CCG", "--year", "2014"]),
        ("setup \u201cHillingdon CCG\u201d", ["setup", "Hillingdon CCG"]),  # Slack's curly quotes
        ("engage E85001 meeting \u201cSaid yes\u201d", ["engage", "E85001", "meeting", "Said yes"]),
        ('stakeholder add practice "St Mary\'s"', ["stakeholder", "add", "practice", "St Mary's"]),
        ("  many   spaces  ", ["many", "spaces"]),
        ('--group="North locality"', ["--group=North locality"]),
        ("it's fine", ["it's", "fine"]),
        ('empty ""', ["empty", ""]),
    ],
)
def test_tokenize(text, expected):
    assert tokenize(text) == expected


def test_unclosed_quote_is_a_clear_error():
    with pytest.raises(UsageError, match="not closed"):
        tokenize('setup "Hillingdon')


def test_parse_options_flags_and_words():
    p = parse(
        [
            "open",
            "Q?",
            "--closes",
            "4 March 2015",
            "--weighted",
            "--owner",
            "<@U1>",
            "--owner",
            "<@U2>",
        ],
        {"closes", "owner"},
        {"weighted"},
    )
    assert p.words == ["open", "Q?"]
    assert p.opt("closes") == "4 March 2015"
    assert p.flag("weighted") and not p.flag("group")
    assert p.all("owner") == ["<@U1>", "<@U2>"]


def test_em_dash_from_phones_counts_as_double_hyphen():
    assert parse(["\u2014year", "2014"], {"year"}).opt("year") == "2014"


def test_unknown_option_suggests_the_closest():
    with pytest.raises(UsageError, match="Did you mean `--year`"):
        parse(["--yaer", "2014"], {"year", "template"})


def test_option_without_value():
    with pytest.raises(UsageError, match="needs a value"):
        parse(["--year"], {"year"})


def test_flag_with_value_is_refused():
    with pytest.raises(UsageError, match="takes no value"):
        parse(["--weighted=yes"], set(), {"weighted"})


@pytest.mark.parametrize(
    "token,uid", [("<@U123ABC>", "U123ABC"), ("<@U123|jane>", "U123"), ("@jane", "jane")]
)
def test_user_mentions(token, uid):
    assert user_id(token) == uid


def test_not_a_mention():
    with pytest.raises(UsageError, match="not a person"):
        user_id("jane")


def test_closest_and_choice():
    assert closest("stakholder", ["stakeholder", "setup"]) == "stakeholder"
    assert closest("zzzz", ["stakeholder", "setup"]) is None
    with pytest.raises(UsageError, match="Did you mean `against`"):
        choice("agianst", ["for", "against", "abstain"], "choice")


def test_numbers():
    assert parse_int("8,200", "size") == 8200
    assert parse_percent("50%") == 50
    with pytest.raises(UsageError, match="whole number"):
        parse_int("lots", "size")
    with pytest.raises(UsageError, match="from 0 to 100"):
        parse_percent("150%")
