"""One malformed file per validation rule; each asserts the exact message and line."""

import pandas as pd
import pytest

import alibiz
from conftest import HEADER, ROWS


def problems_of(path, loader=alibiz.load_metrics):
    with pytest.raises(alibiz.DataError) as caught:
        loader(path)
    return str(caught.value).splitlines(), caught.value.problems


def test_a_valid_file_loads_every_row_with_typed_columns(write_csv, metrics_text):
    frame = alibiz.load_metrics(write_csv(metrics_text()))
    assert len(frame) == 3
    assert frame["value"].tolist() == [31672.0, 29.0, -2905.0]
    assert frame["value"].dtype == "float64"
    assert pd.api.types.is_datetime64_any_dtype(frame["period_end"])
    assert pd.api.types.is_datetime64_any_dtype(frame["published"])
    assert frame["period"].iloc[0] == pd.Period("2025Q2", freq="Q-MAR")
    assert frame["note"].isna().tolist() == [True, True, False]


def test_data_error_is_a_value_error_exported_at_top_level():
    assert issubclass(alibiz.DataError, ValueError)


def test_data_error_in_a_notebook_shows_html_in_the_file_name_and_cells_as_text(write_csv, metrics_text):
    import re

    bad = [ROWS[0].replace("31672", "<script>alert(1)</script>"), ROWS[1].replace(",29,", ',"""<b>&",')]
    with pytest.raises(alibiz.DataError) as caught:
        alibiz.load_metrics(write_csv(metrics_text(bad), name="<img src=x onerror=alert(1)>.csv"))
    page = caught.value._repr_html_()
    assert set(re.findall(r"</?([a-z]+)", page)) == {"p", "strong", "table", "thead", "tbody", "tr", "th", "td"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert "&quot;&lt;b&gt;&amp;" in page


def test_missing_column(write_csv, metrics_text):
    text = metrics_text().replace(",unit,", ",", 1)
    lines, _ = problems_of(write_csv(text))
    assert f"{write_csv(text)}:1: column 'unit': required column is missing" in lines


def test_unknown_column(write_csv):
    text = HEADER + ",extra\n" + ROWS[0] + ",x\n"
    lines, _ = problems_of(write_csv(text))
    assert lines[0].endswith(":1: column 'extra': unknown column (expected: " + HEADER.replace(",", ", ") + ")")


@pytest.mark.parametrize("separator, shown", [(";", "';'"), ("\t", "tabs")])
def test_other_separator_is_one_clear_problem(write_csv, separator, shown):
    text = "\n".join(line.replace(",", separator) for line in [HEADER, *ROWS]) + "\n"
    lines, _ = problems_of(write_csv(text))
    assert len(lines) == 1
    assert lines[0].endswith(f":1: the header is one field: the file is separated by {shown}, not commas (save it as comma-separated CSV)")


def test_empty_column_name(write_csv):
    text = HEADER + ",\n" + ROWS[0] + ",\n"
    lines, _ = problems_of(write_csv(text))
    assert lines[0].endswith(":1: the header has an empty column name (a trailing comma?)")


def test_repeated_column(write_csv):
    text = HEADER + ",value\n" + ROWS[0] + ",1\n"
    lines, _ = problems_of(write_csv(text))
    assert any("column 'value': column appears more than once in the header" in line for line in lines)


@pytest.mark.parametrize(
    "value, reason",
    [
        ("n/a", "is not a number"),
        ("", "is empty"),
        ("inf", "is not a number"),
        ("9" * 400, "is too large to be a number"),
        ("1e999", "is not a number: write it in full, not in scientific notation (a spreadsheet may have rounded it)"),
        ("3.17E+04", "is not a number: write it in full, not in scientific notation (a spreadsheet may have rounded it)"),
        ("\uff13\uff11\uff16", "is not a number"),  # full-width digits
        ("nan", "is not a number"),
        ("1.2.3", "is not a number"),  # plain characters the CSV reader refuses: the text path names it
        ("-", "is not a number"),
        ("1-2", "is not a number"),
        ('"31,672"', "is not a number: remove the thousands separator"),
        ("29%", "is not a number: write percentages without '%' (29 means 29%)"),
        ("(2905)", "is not a number: write a loss with a minus sign, not parentheses"),
        (" 29", "has leading or trailing spaces"),
        ('"31 672"', "is not a number: remove the thousands separator"),
        ("\u22122905", "is not a number: write the minus sign as '-' (a typographic minus or dash was pasted)"),
        ("\u20132905", "is not a number: write the minus sign as '-' (a typographic minus or dash was pasted)"),
    ],
)
def test_value_not_a_finite_number(write_csv, metrics_text, value, reason):
    row = ROWS[1].replace(",29,", f",{value},")
    path = write_csv(metrics_text([ROWS[0], row]))
    lines, problems = problems_of(path)
    shown = value.strip('"')
    shown = shown if len(shown) <= 60 else shown[:57] + "..."  # long values are cut in messages
    got = f" (got '{shown}')"
    assert lines == [f"{path}:3: column 'value': {reason}{got}"]
    assert problems.loc[0, "line"] == 3


# One malformed row per rule: (row, text replaced, replacement, the whole message).
RULES = {
    "period_end not a quarter end": (0, "2024-09-30,", "2024-09-29,",
        "column 'period_end': is not a quarter end (31 Mar, 30 Jun, 30 Sep or 31 Dec) (got '2024-09-29')"),
    "period_end disagrees with fiscal_period": (0, "FY2025Q2", "FY2024Q2",
        "column 'fiscal_period': does not match period_end 2024-09-30 (expected FY2025Q2) (got 'FY2024Q2')"),
    "fiscal quarter five": (0, "FY2025Q2", "FY2025Q5",
        "column 'fiscal_period': is not a fiscal quarter label like 'FY2025Q2' (quarter 1 to 4) (got 'FY2025Q5')"),
    "unit contradicts the registry": (1, ",pct,", ",RMB_mn,",
        "column 'unit': metric 'revenue_yoy' is measured in 'pct' (got 'RMB_mn')"),
    "empty source": (0, '"Alibaba Group Announces September Quarter 2024 Results, 2024-11-15"', "  ",
        "column 'source': is empty (got '  ')"),
    "published before the quarter ended": (0, ",2024-11-15,", ",2024-08-15,",
        "column 'published': is before the quarter ended (period_end 2024-09-30) (got '2024-08-15')"),
    "unknown basis": (0, "as_reported", "first_print",
        "column 'basis': unknown basis (known: as_reported, restated) (got 'first_print')"),
    "date with a time of day": (0, "2024-09-30,", "2024-09-30 00:00:00,",
        "column 'period_end': is a date and a time: write the date alone, YYYY-MM-DD (got '2024-09-30 00:00:00')"),
    "id with capitals": (0, ",aidc,", ",AIDC,",
        "column 'segment': has capitals: write the segment id in lower case ('aidc') (got 'AIDC')"),
    "basis with capitals": (0, ",as_reported,", ",As_Reported,",
        "column 'basis': has capitals: write the basis in lower case ('as_reported') (got 'As_Reported')"),
}  # fmt: skip


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_names_line_column_and_value(write_csv, metrics_text, rule):
    row, old, new, message = RULES[rule]
    path = write_csv(metrics_text([ROWS[row].replace(old, new, 1)]))
    lines, _ = problems_of(path)
    assert lines == [f"{path}:2: {message}"]


@pytest.mark.parametrize("column, old, new, known", [("metric", ",revenue,", ",revenu,", "metric id (known: aac, "),
                                                     ("segment", ",aidc,", ",aidx,", "segment id (known: ")])  # fmt: skip
def test_unknown_id_lists_the_known_ones(write_csv, metrics_text, column, old, new, known):
    path = write_csv(metrics_text([ROWS[0].replace(old, new)]))
    lines, _ = problems_of(path)
    assert len(lines) == 1 and lines[0].startswith(f"{path}:2: column '{column}': unknown {known}")
    assert lines[0].endswith(f"(got '{new.strip(',')}')")


def test_duplicate_key_names_both_lines(write_csv, metrics_text):
    path = write_csv(metrics_text([ROWS[0], ROWS[1], ROWS[0].replace("31672", "31671")]))
    lines, _ = problems_of(path)
    assert lines == [
        f"{path}:4: column 'period_end,segment,metric,basis': duplicate key: the same "
        "period_end + segment + metric + basis as line 2 (got '2024-09-30,aidc,revenue,as_reported')"
    ]


@pytest.mark.parametrize("bad", ["15/11/2024", "2024-11-31", "2024-11-5", "yesterday"])
def test_unparseable_published_date(write_csv, metrics_text, bad):
    path = write_csv(metrics_text([ROWS[0].replace(",2024-11-15,", f",{bad},")]))
    lines, _ = problems_of(path)
    assert lines == [f"{path}:2: column 'published': is not a date YYYY-MM-DD (got '{bad}')"]


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_empty_file(write_csv, content):
    path = write_csv(content)
    lines, _ = problems_of(path)
    assert lines == [f"{path}: file is empty (expected a header row: {HEADER})"]


def test_not_utf8_names_every_bad_line(write_csv, metrics_text):
    text = metrics_text().replace("Alibaba Group Announces", "Alibaba Grüp Announces")
    path = write_csv(text.encode("latin-1"))
    lines, _ = problems_of(path)
    positions = [row.index("ü") + 1 for row in text.splitlines()[1:]]
    assert lines == [
        f"{path}:{n}: is not UTF-8 text (byte 0xfc at position {p}); save the file as UTF-8"
        for n, p in zip((2, 3, 4), positions)
    ]


def test_not_a_csv_table_rows_with_wrong_field_counts(write_csv, metrics_text):
    path = write_csv(metrics_text([ROWS[0], "2024-09-30,FY2025Q2", ROWS[1] + ",extra", "2024-09-30", " \t "]))
    lines, _ = problems_of(path)
    assert lines == [
        f"{path}:3: has 2 fields, the header has 11",
        f"{path}:4: has 12 fields, the header has 11",
        f"{path}:5: has 1 field, the header has 11",
        f"{path}:6: is a line of only spaces or tabs, not a blank line: delete it",
    ]


def test_a_line_break_around_a_cell_is_named_as_one(write_csv, metrics_text):
    path = write_csv(metrics_text([ROWS[2].replace(",loss", ',"loss\n"')]))
    lines, _ = problems_of(path)
    assert lines == [f"{path}:2: column 'note': has a line break at its start or end (got 'loss\\n')"]


def test_misplaced_and_unclosed_quotes(write_csv, metrics_text):
    rows = [
        ROWS[0].replace("International", 'Inter"national'),
        ROWS[1].replace("Alibaba Group Announces", 'Alibaba "Group" Announces'),
        ROWS[2].replace(",loss", ',"loss'),
    ]
    lines, _ = problems_of(path := write_csv(metrics_text(rows)))
    assert lines == [
        f"{path}:2: has a double quote inside an unquoted field (quote the whole field and double the quote)",
        f"{path}:3: has text after a closing double quote (quote the whole field and double inner quotes)",
        f"{path}:4: has a quoted field that is never closed",
    ]


def test_unclosed_quote(write_csv, metrics_text):
    path = write_csv(metrics_text([ROWS[0], ROWS[1], ROWS[2].replace(",loss", ',"loss')]))
    lines, _ = problems_of(path)
    assert lines == [f"{path}:4: has a quoted field that is never closed"]


def test_every_bad_row_is_listed_not_only_the_first(write_csv, metrics_text):
    rows = [
        ROWS[0].replace("31672", "lots"),
        ROWS[1].replace(",pct,", ",percent,"),
        ROWS[2].replace("2024-09-30,", "2024-09-31,"),
    ]
    path = write_csv(metrics_text(rows))
    lines, problems = problems_of(path)
    assert problems["line"].tolist() == [2, 3, 4]
    assert problems["column"].tolist() == ["value", "unit", "period_end"]
    assert len(lines) == 3


def test_line_numbers_count_quoted_line_breaks_and_blank_lines(write_csv, metrics_text):
    multiline = ROWS[0].replace(",2024-11-15,", ',2024-11-15,"first line\nsecond line"').removesuffix(",")
    text = metrics_text([multiline, "", ROWS[1].replace(",29,", ",x,")])
    lines, _ = problems_of(write_csv(text))
    assert lines[0].split(":")[-3] == "5"  # header 1, record 2-3, blank 4, bad row 5


def test_bom_and_crlf_from_excel_are_accepted(write_csv, metrics_text):
    data = b"\xef\xbb\xbf" + metrics_text().replace("\n", "\r\n").encode()
    frame = alibiz.load_metrics(write_csv(data))
    assert len(frame) == 3
    assert list(frame.columns)[0] == "period_end"
    assert frame["note"].iloc[2] == "loss"


def test_missing_file_and_directory_are_data_errors(tmp_path):
    lines, _ = problems_of(tmp_path / "nope.csv")
    assert lines == [f"{tmp_path / 'nope.csv'}: no such file"]
    lines, _ = problems_of(tmp_path)
    assert lines == [f"{tmp_path}: is a directory, not a CSV file"]


def test_problems_frame_is_there_for_code_to_assert_on(write_csv, metrics_text):
    path = write_csv(metrics_text([ROWS[0].replace(",aidc,", ",nope,")]))
    _, problems = problems_of(path)
    assert list(problems.columns) == ["file", "line", "column", "message", "got"]
    assert problems.iloc[0].to_dict()["got"] == "nope"


# --------------------------------------------------------------- events file

EVENTS_HEADER = "event_id,date,effective_date,kind,title,summary,segments,first_period,source,published,note"
EVENT = "2024-11-21-ecommerce,2024-11-21,,reorg,E-commerce business group,One sentence.,china_ecommerce;aidc,,Some outlet (https://example.org),2024-11-21,"


def test_a_valid_events_file_loads(write_csv):
    frame = alibiz.load_events(write_csv(EVENTS_HEADER + "\n" + EVENT + "\n", "events.csv"))
    assert frame.loc[0, "date"] == pd.Timestamp("2024-11-21")
    assert pd.isna(frame.loc[0, "effective_date"])


@pytest.mark.parametrize(
    "old, new, column, message",
    [
        (",reorg,", ",merger,", "kind", "unknown event kind (known: leadership, reorg, segment_reporting, strategy)"),
        ("china_ecommerce;aidc", "china_ecommerce;aidcc", "segments", "unknown segment id: aidcc"),
        ("china_ecommerce;aidc", "china_ecommerce;;aidc", "segments", "has an empty item: separate segment ids with one ';' and none at the end"),
        ("china_ecommerce;aidc", "china_ecommerce;aidc;", "segments", "has an empty item: separate segment ids with one ';' and none at the end"),
        ("china_ecommerce;aidc", '"china_ecommerce, aidc"', "segments", "separate segment ids with ';', not ','"),
        ("china_ecommerce;aidc", "China_Ecommerce;AIDC", "segments", "has capitals: write each segment id in lower case ('china_ecommerce;aidc')"),
        ("china_ecommerce;aidc", '"china_ecommerce;ai\ndc"', "segments", "unknown segment id: ai\\ndc"),
        (",reorg,", ",Reorg,", "kind", "has capitals: write the event kind in lower case ('reorg')"),
        (",2024-11-21,,", ",21/11/2024,,", "date", "is not a date YYYY-MM-DD"),
        (",reorg,", ",segment_reporting,", "first_period", "is required when kind is 'segment_reporting'"),
        (",One sentence.,", ",,", "summary", "is empty"),
        ("Some outlet (https://example.org)", "", "source", "is empty"),
    ],
)
def test_events_rules(write_csv, old, new, column, message):
    path = write_csv(EVENTS_HEADER + "\n" + EVENT.replace(old, new, 1) + "\n", "events.csv")
    lines, problems = problems_of(path, alibiz.load_events)
    assert problems["column"].tolist() == [column]
    assert lines[0].startswith(f"{path}:2: column '{column}': {message}")


def test_duplicate_event_id(write_csv):
    path = write_csv(EVENTS_HEADER + "\n" + EVENT + "\n" + EVENT + "\n", "events.csv")
    lines, _ = problems_of(path, alibiz.load_events)
    assert lines == [f"{path}:3: column 'event_id': duplicate key: the same event_id as line 2 (got '2024-11-21-ecommerce')"]


@pytest.mark.parametrize(
    "written, meant",
    [("period_end ", "period_end"), ("Period_End", "period_end"), ("fiscal period", "fiscal_period")],
)
def test_a_misspelt_column_name_is_named_as_that_column(write_csv, metrics_text, written, meant):
    path = write_csv(metrics_text().replace(meant, written, 1))
    lines, _ = problems_of(path)
    assert lines == [f"{path}:1: column '{written}': is not a column name: write '{meant}' (lower case, underscores)"]


def test_excel_sep_line_is_one_clear_problem(write_csv, metrics_text):
    path = write_csv("sep=,\n" + metrics_text())
    lines, _ = problems_of(path)
    assert lines == [f"{path}:1: is Excel's 'sep=' line, not the header: delete it so that the header is the first line"]


def test_utf16_file_is_one_clear_problem(write_csv, metrics_text):
    path = write_csv(metrics_text().encode("utf-16"))
    lines, _ = problems_of(path)
    assert lines == [f"{path}:1: is UTF-16 text (Excel's 'Unicode Text'): save the file as 'CSV UTF-8'"]


def test_a_repeated_header_row_is_one_problem_for_its_line(write_csv):
    path = write_csv("\n".join([HEADER, ROWS[0], HEADER, ROWS[1], ""]))
    lines, problems = problems_of(path)
    assert lines == [f"{path}:3: repeats the header (two files joined?): delete the line"]
    assert problems.loc[0, "line"] == 3


@pytest.mark.parametrize("value", ["31\u00a0672", "31\u202f672", "31'672", "1 234 567.5"])
def test_other_thousands_separators_are_named(write_csv, metrics_text, value):
    path = write_csv(metrics_text([ROWS[0].replace(",31672,", f',"{value}",')]))
    _, problems = problems_of(path)
    assert problems["message"].tolist() == ["is not a number: remove the thousands separator"]


@pytest.mark.parametrize(
    "rows, line",
    [([ROWS[0] + "\r" + ROWS[1]], 2), ([ROWS[0], ROWS[2].replace(",loss", ',"lo\rss"')], 3)],
    ids=["old Mac line ends", "inside a quoted cell"],
)
def test_a_carriage_return_without_a_line_feed_is_refused(write_csv, metrics_text, rows, line):
    path = write_csv(metrics_text(rows))
    lines, _ = problems_of(path)
    assert lines == [
        f"{path}:{line}: has a carriage return without a line feed (old Mac line ends, or one inside a cell): "
        "save the file with LF or CRLF line ends and no carriage return in a cell"
    ]


def test_a_control_character_in_a_cell_is_refused(write_csv, metrics_text):
    """Invisible in a spreadsheet, and an SVG chart or any XML cannot hold it."""
    path = write_csv(metrics_text([ROWS[0].replace("Digital Commerce", "Digital\x07Commerce"), ROWS[1].replace("2024-11-15\",", "2024-11-15\x0b\",")]))
    lines, _ = problems_of(path)
    assert [line.split(": ", 1)[1].split(" (got")[0] for line in lines] == [
        "column 'segment_label': contains a control character (U+0007): delete it",
        "column 'source': contains a control character (U+000B): delete it",
    ]
