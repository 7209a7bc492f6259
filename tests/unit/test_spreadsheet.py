import csv
import io

from bot.spreadsheet import csv_bytes, safe_cell


def test_formulas_are_neutralised():
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert (
        safe_cell("+1") == "'+1"
        and safe_cell("-1") == "'-1"
        and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    )
    assert (
        safe_cell("Plain text") == "Plain text" and safe_cell(None) == "" and safe_cell(42) == "42"
    )


def test_csv_round_trips_with_a_bom_and_header():
    data = csv_bytes(
        ["code", "summary"], [["E85001", 'said "yes", with commas'], ["E85002", "=1+1"]]
    )
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["code", "summary"], ["E85001", 'said "yes", with commas'], ["E85002", "'=1+1"]]
