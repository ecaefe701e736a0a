"""Property-based tests of the loader: any input either loads whole or is refused with lines named."""

import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alibiz
from conftest import HEADER, ROWS

SETTINGS = settings(max_examples=int(__import__("os").environ.get("ALIBIZ_FUZZ_EXAMPLES", 150)), deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
VALID = HEADER + "\n" + "\n".join(ROWS) + "\n"


def load(tmp_path, data: bytes):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    return alibiz.load_metrics(path)


def assert_loads_whole_or_names_lines(tmp_path, data: bytes, expected_rows=None):
    try:
        frame = load(tmp_path, data)
    except alibiz.DataError as error:
        problems = error.problems
        assert len(problems) > 0
        lines = problems["line"].dropna()
        total_lines = data.count(b"\n") + 1
        assert ((lines >= 1) & (lines <= total_lines)).all()
        for text in str(error).splitlines():
            assert text.startswith(str(tmp_path / "fuzz.csv"))
        return None
    if expected_rows is not None:
        assert len(frame) == expected_rows
    return frame


@SETTINGS
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_load_or_raise_data_error(tmp_path, data):
    assert_loads_whole_or_names_lines(tmp_path, data)


@SETTINGS
@given(text=st.text(alphabet=string.printable + "\u00e9\u4e2d\"", max_size=2000))
def test_arbitrary_text_after_a_valid_header(tmp_path, text):
    assert_loads_whole_or_names_lines(tmp_path, (HEADER + "\n" + text).encode("utf-8"))


def corrupt(kind, draw):
    lines = VALID.splitlines()
    row = draw(st.integers(1, len(lines) - 1))
    fields = lines[row].split(",")
    if kind == "empty_cell":
        column = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 10]))
        fields[column] = ""
        lines[row] = ",".join(fields)
    elif kind == "mangle_number":
        fields[5] = draw(st.sampled_from(["1,000", "12%", "(5)", "n/a", "1e999", "3.17E+04", "--3", " 7", "7 ", "٣", "0x1f", "1_0"]))
        lines[row] = ",".join(fields)
    elif kind == "drop_column":
        column = draw(st.integers(0, 10))
        lines = [",".join(f for i, f in enumerate(line.split(",")) if i != column) for line in lines]
    elif kind == "rename_column":
        header = lines[0].split(",")
        header[draw(st.integers(0, 10))] = draw(st.sampled_from(["Value", "period end", "seg", ""]))
        lines[0] = ",".join(header)
    elif kind == "duplicate_row":
        lines.insert(row, lines[row])
    elif kind == "non_utf8":
        return (VALID.encode("utf-8")[:80] + b"\xff\xfe" + VALID.encode("utf-8")[80:]), False
    elif kind == "stray_quote":
        lines[row] = lines[row].replace("Alibaba", 'Ali"baba', 1)
    return ("\n".join(lines) + "\n").encode("utf-8"), False


HARMLESS = ["bom", "crlf", "quoted_comma", "huge_field", "blank_lines"]


def harmless(kind, draw):
    if kind == "bom":
        return b"\xef\xbb\xbf" + VALID.encode("utf-8")
    if kind == "crlf":
        return VALID.replace("\n", "\r\n").encode("utf-8")
    if kind == "quoted_comma":
        return VALID.replace(",loss", ',"loss, with a comma"').encode("utf-8")
    if kind == "huge_field":
        size = draw(st.integers(10_000, 2_000_000))
        return VALID.replace(",loss", "," + "x" * size).encode("utf-8")
    return VALID.replace("\n", "\n\n").encode("utf-8")


@SETTINGS
@given(st.data())
def test_corrupted_valid_files_are_refused_naming_the_line(tmp_path, data):
    kind = data.draw(st.sampled_from(["empty_cell", "mangle_number", "drop_column", "rename_column", "duplicate_row", "non_utf8", "stray_quote"]))
    content, _ = corrupt(kind, data.draw)
    with pytest.raises(alibiz.DataError):
        load(tmp_path, content)
    assert_loads_whole_or_names_lines(tmp_path, content)


@SETTINGS
@given(st.data())
def test_harmless_variations_load_every_row_unchanged(tmp_path, data):
    kind = data.draw(st.sampled_from(HARMLESS))
    frame = load(tmp_path, harmless(kind, data.draw))
    reference = load(tmp_path, VALID.encode("utf-8"))
    assert len(frame) == len(reference) == 3
    columns = ["period_end", "segment", "metric", "value", "basis", "source"]
    pd.testing.assert_frame_equal(frame[columns], reference[columns])


FIELD = st.text(alphabet='ab,"\n 1', max_size=6)  # a lone CR is refused before the scan


@SETTINGS
@given(rows=st.lists(st.lists(FIELD, min_size=3, max_size=3), min_size=1, max_size=8), crlf=st.booleans(), short=st.data())
def test_the_record_scan_agrees_with_the_csv_module(rows, crlf, short):
    """Record starts and field counts found on the bytes, against Python's csv reader."""
    import csv
    import io

    from alibiz.load import _layout

    def written(rows) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n" if crlf else "\n").writerows([["h1", "h2", "h3"], *rows])
        return out.getvalue()

    text = written(rows)
    reader = csv.reader(io.StringIO(text, newline=""))
    ends = [reader.line_num for _ in reader]
    starts = [end + 1 for end in ends[:-1]]
    layout = _layout("f", text.encode())
    assert layout.lines.tolist() == starts
    # each record's first comma, kept from the field count, is the first comma after its start
    assert layout.first_comma.tolist() == np.searchsorted(layout.commas, layout.starts).tolist()
    # the same table with one field dropped from one row: that row is named, by the line it starts on
    victim = short.draw(st.integers(0, len(rows) - 1))
    rows[victim] = rows[victim][:2]
    with pytest.raises(alibiz.DataError) as caught:
        _layout("f", written(rows).encode())
    assert caught.value.problems["line"].tolist() == [starts[victim]]
