"""The release reader: our own documents in the releases' layout, of every era, as text, PDF and HTML.

The fixtures in tests/fixtures/releases/ are written for these tests in the
layout of Alibaba's results announcements (their tables and the sentences that
carry figures); the figures are the releases' own and are in data/metrics.csv,
so every row read from a fixture must agree with the bundled data.
"""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import alibiz
from alibiz import extract, files
from alibiz.extract import ExtractError, extract_release
from conftest import on_a_terminal

RELEASES = Path(__file__).parent / "fixtures" / "releases"
ALIBIZ = Path(sys.executable).parent / "alibiz"
ERAS = {
    "fy2021q3_four_segments.txt": ("FY2021Q3", "2021-02-02", "Alibaba Group Announces December Quarter 2020 Results"),
    "fy2023q1_seven_segments.txt": ("FY2023Q1", "2022-08-04", "Alibaba Group Announces June Quarter 2022 Results"),
    "fy2024q3_business_groups.txt": ("FY2024Q3", "2024-02-07", "Alibaba Group Announces December Quarter 2023 Results"),
    "fy2026q1_four_segments.txt": ("FY2026Q1", "2025-08-29", "Alibaba Group Announces June Quarter 2025 Results"),
    "fy2026q1_four_segments_6k.html": ("FY2026Q1", "2025-08-29", "Alibaba Group Announces June Quarter 2025 Results"),
    "fy2027q1_ai_segments.txt": ("FY2027Q1", "2026-08-20", "Alibaba Group Announces June Quarter 2026 Results"),
}


def run(*args, cwd=None):
    return subprocess.run([ALIBIZ, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)


def read(name, warnings=None, **kwargs):
    found = [] if warnings is None else warnings
    return extract_release(RELEASES / name, warn=found.append, **kwargs)


def value(rows, fiscal_period, segment, metric, basis="as_reported"):
    picked = rows.query("fiscal_period == @fiscal_period and segment == @segment and metric == @metric and basis == @basis")
    assert len(picked) == 1, f"{fiscal_period} {segment} {metric} {basis}: {len(picked)} rows"
    return picked["value"].iloc[0]


@pytest.mark.parametrize("name", ERAS)
def test_every_era_reads_and_agrees_with_the_data(name):
    quarter, published, title = ERAS[name]
    warnings = []
    rows = read(name, warnings)
    assert list(rows.columns[:2]) == ["period_end", "fiscal_period"] and "period" in rows  # the loader's frame
    assert set(rows.loc[rows["basis"] == "as_reported", "fiscal_period"]) == {quarter}
    assert (rows["published"] == pd.Timestamp(published)).all()
    assert rows["source"].str.startswith(f"{title}, company release {published} (read from the file {name})").all()
    compared = extract.compare(rows, alibiz.load_metrics())
    assert not (compared["status"] == "different").any(), compared[compared["status"] == "different"]
    assert (compared["status"] == "same").mean() > 0.9
    assert warnings == []


def test_four_segment_era_figures():
    rows = read("fy2021q3_four_segments.txt")
    assert value(rows, "FY2021Q3", "core_commerce", "adjusted_ebita") == 66637  # '66,637(3)': footnote dropped
    assert value(rows, "FY2021Q3", "dme", "adjusted_ebita") == -1389  # '(1,389)': a loss
    assert value(rows, "FY2020Q3", "cloud", "adjusted_ebita", "restated") == -356
    assert value(rows, "FY2021Q3", "dme", "revenue") == 8079  # 'entertainment\n(3) 8,028 ...': not a loss of 3
    assert value(rows, "FY2021Q3", "china_ecommerce", "cmr") == 101919
    assert value(rows, "FY2021Q3", "china_commerce_retail", "revenue") == 153679  # the unnamed subtotal
    assert value(rows, "FY2021Q3", "group", "revenue_yoy_lfl") == 27
    assert value(rows, "FY2021Q3", "china_ecommerce", "aac") == 779
    labels = rows.set_index(["segment", "metric", "basis"])["segment_label"]
    assert labels["china_ecommerce", "cmr", "as_reported"] == "China commerce retail"
    assert labels["china_commerce_retail", "revenue", "as_reported"] == "China commerce retail"


def test_like_for_like_growth_of_the_fiscal_year_is_not_the_quarters(tmp_path):
    text = (RELEASES / "fy2021q3_four_segments.txt").read_text(encoding="utf-8")
    quarter = "Excluding the consolidation of Sun Art, our revenue would have grown 27% year-over-year."
    year = "In the fiscal year ended March 31, 2021, revenue grew. Excluding the consolidation of Sun Art, our revenue would have grown 32% year-over-year."
    path = tmp_path / "year.txt"
    path.write_text(text.replace(quarter, year), encoding="utf-8")
    assert extract_release(path).query("metric == 'revenue_yoy_lfl'").empty


def test_seven_segment_era_column_tables_in_either_order():
    rows = read("fy2023q1_seven_segments.txt")
    # the block of the year before comes first and without its date: told apart by the US$ column
    assert value(rows, "FY2022Q1", "china_ecommerce", "adjusted_ebita", "restated") == 50822
    assert value(rows, "FY2023Q1", "china_ecommerce", "adjusted_ebita") == 43574
    assert value(rows, "FY2023Q1", "aidc", "adjusted_ebita_yoy") == -52
    assert value(rows, "FY2023Q1", "group", "revenue_yoy") == 0  # printed (0)%
    assert value(rows, "FY2023Q1", "china_ecommerce", "cmr_yoy") == -10
    assert "N/A" not in set(rows["value"].astype(str))


def test_business_group_era_and_page_breaks_inside_tables():
    rows = read("fy2024q3_business_groups.txt")
    assert value(rows, "FY2024Q3", "aidc", "adjusted_ebita_yoy") == -388
    assert value(rows, "FY2024Q3", "cainiao", "adjusted_ebita") == 961
    assert rows.query("segment == 'cainiao' and metric == 'adjusted_ebita_yoy'").empty  # N/A
    assert value(rows, "FY2024Q3", "china_ecommerce", "cmr") == 92113
    assert rows.set_index(["segment", "metric", "basis"]).loc[("china_ecommerce", "cmr", "as_reported"), "segment_label"] == "Taobao and Tmall Group"
    assert value(rows, "FY2024Q3", "cloud", "revenue") == 28066  # the nine-months table is not read
    assert value(rows, "FY2024Q3", "group", "adjusted_ebita") == 52843


def test_html_exhibit_of_the_2025_segments():
    rows = read("fy2026q1_four_segments_6k.html")
    assert value(rows, "FY2026Q1", "china_ecommerce", "cmr") == 89252
    assert value(rows, "FY2025Q1", "china_ecommerce", "cmr", "restated") == 81088
    assert value(rows, "FY2026Q1", "china_commerce_retail", "revenue") == 118577
    assert value(rows, "FY2026Q1", "aidc", "adjusted_ebita") == -59
    assert rows.query("segment_label.str.contains('Quick')", engine="python").empty


def test_the_html_exhibit_and_the_text_agree():
    key = ["period_end", "segment", "metric", "basis", "value"]
    from_html = read("fy2026q1_four_segments_6k.html").set_index(key[:4])["value"]
    from_text = read("fy2026q1_four_segments.txt").set_index(key[:4])["value"]
    shared = from_html.index.intersection(from_text.index)
    assert len(shared) >= 35
    assert (from_html[shared] == from_text[shared]).all()
    assert value(read("fy2026q1_four_segments.txt"), "FY2026Q1", "group", "revenue_yoy_lfl") == 10


def test_a_row_without_a_name_is_reported(tmp_path):
    text = (RELEASES / "fy2026q1_four_segments.txt").read_text(encoding="utf-8")
    path = tmp_path / "extra_cell.txt"
    path.write_text(text.replace("108,522 118,577 9%", "108,522 118,577 16,552 9%"), encoding="utf-8")
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    assert len(warnings) == 1 and "do not line up with the table" in warnings[0]
    assert rows.query("segment == 'china_commerce_retail' and metric == 'revenue'").empty  # not guessed


def test_ai_segment_era():
    rows = read("fy2027q1_ai_segments.txt")
    assert value(rows, "FY2027Q1", "ai_labs", "adjusted_ebita_yoy") == -330
    assert value(rows, "FY2026Q1", "ecommerce", "revenue", "restated") == 198812
    assert value(rows, "FY2027Q1", "china_ecommerce", "revenue") == 110900
    assert value(rows, "FY2027Q1", "aidc_retail", "revenue") == 27761
    assert value(rows, "FY2027Q1", "group", "revenue") == 268953
    assert rows.query("segment == 'all_others' and metric == 'adjusted_ebita_yoy'").empty  # N/A


def _flattened(text):
    """The text as the parsed JSON copies hold it: every run of blanks one space, page breaks kept."""
    return re.sub(r"[ \t]*\n(?![ \t]*\n[ \t]*\d+[ \t]*\n)[ \t]*", " ", text)


def test_the_same_rows_whether_lines_are_kept_or_flattened():
    lined = (RELEASES / "fy2021q3_four_segments.txt").read_text(encoding="utf-8")
    flat = io.BytesIO(_flattened(lined).encode("utf-8"))
    flat.name = "fy2021q3_four_segments.txt"
    assert "\nRevenue" not in _flattened(lined)
    pd.testing.assert_frame_equal(extract_release(flat), read("fy2021q3_four_segments.txt"))


def _pdf(text, **kwargs):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=8)
    pdf.set_auto_page_break(True, margin=15)
    pages = re.split(r"\n\s*\n\s*\d+\s*\n", "\n\n" + text)
    for number, page in enumerate(pages, start=1):
        pdf.add_page()
        pdf.cell(0, 5, str(number), new_x="LMARGIN", new_y="NEXT")
        for line in page.splitlines():
            pdf.cell(0, 4, line.replace("—", "-").replace("–", "-").encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")
    if kwargs.get("password"):
        pdf.set_encryption(owner_password="owner", user_password=kwargs["password"])
    return bytes(pdf.output())


def test_a_pdf_reads_like_its_text(tmp_path):
    text = (RELEASES / "fy2021q3_four_segments.txt").read_text(encoding="utf-8")
    path = tmp_path / "release.bin"  # the kind comes from the content, not the name
    path.write_bytes(_pdf(text))
    from_pdf = extract_release(path)
    from_text = read("fy2021q3_four_segments.txt")
    key = ["period_end", "segment", "metric", "basis", "value"]
    pd.testing.assert_frame_equal(from_pdf[key], from_text[key])


def test_a_pdf_warning_names_the_page(tmp_path):
    text = (RELEASES / "fy2021q3_four_segments.txt").read_text(encoding="utf-8")
    path = tmp_path / "renamed.pdf"
    path.write_bytes(_pdf(text.replace("Cloud computing 10,721", "Cloud wonders 10,721")))
    from pypdf import PdfReader

    page = next(n for n, p in enumerate(PdfReader(path).pages, start=1) if "Cloud wonders" in p.extract_text())
    line = next(n for n, t in enumerate(PdfReader(path).pages[page - 1].extract_text().splitlines(), start=1) if "Cloud wonders" in t)
    warnings = []
    extract_release(path, warn=warnings.append)
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}: page {page}, line {line}: ")
    assert warnings[0].endswith("'Cloud wonders' is not in segment_labels.csv: left out (add the label to read it)")


def test_kind_is_told_from_content(tmp_path):
    html = tmp_path / "release.pdf"
    html.write_bytes((RELEASES / "fy2026q1_four_segments_6k.html").read_bytes())
    assert extract.read_document(html)[1] == "html"
    assert len(extract_release(html)) == len(read("fy2026q1_four_segments_6k.html"))


def _scan():
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("L", (200, 280), 255), x=10, y=10, w=190)
    return bytes(pdf.output())


BAD = {
    "empty": (lambda: b"", "is empty"),
    "blank": (lambda: b"  \n\n ", "is empty"),
    "binary": (lambda: bytes(range(256)) * 8, "is a binary file"),
    "scan": (_scan, "without a text layer"),
    "encrypted": (lambda: _pdf("Alibaba Group Announces June Quarter 2026 Results", password="secret"), "encrypted PDF"),
    "truncated": (lambda: _pdf((RELEASES / "fy2021q3_four_segments.txt").read_text(encoding="utf-8"))[:3000], "truncated PDF"),
    "not alibaba": (lambda: b"Acme Corp Reports Third Quarter Results\nRevenue was $10 million for the quarter ended September 30, 2026.\n",
                    "is not an Alibaba Group quarterly results announcement"),
    "no tables": (lambda: b"Alibaba Group Announces June Quarter 2026 Results\nHangzhou, China, August 20, 2026 - Alibaba Group Holding "
                  b"Limited today announced its financial results for the quarter ended June 30, 2026. Nothing else.\n", "none of the tables"),
    "garbled pdf": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\n%%EOF\n", "damaged or truncated PDF"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_clear_error(case, tmp_path):
    make, message = BAD[case]
    path = tmp_path / "input.txt"
    path.write_bytes(make())
    with pytest.raises(ExtractError, match=re.escape(message)):
        extract_release(path)
    result = run("extract", path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"alibiz extract: {path}: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_scan_message_says_how_to_get_a_text_layer(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_scan())
    with pytest.raises(ExtractError, match="OCR"):
        extract_release(path)


def test_missing_file_and_folder(tmp_path):
    assert run("extract", tmp_path / "nope.pdf").returncode == 1
    result = run("extract", tmp_path)
    assert result.returncode == 1 and "is a directory" in result.stderr


def test_unknown_segment_name_is_reported_with_its_line_and_left_out(tmp_path):
    text = (RELEASES / "fy2021q3_four_segments.txt").read_text(encoding="utf-8")
    path = tmp_path / "renamed.txt"
    path.write_text(text.replace("Cloud computing 10,721", "Cloud wonders 10,721"), encoding="utf-8")
    line = next(n for n, t in enumerate(path.read_text().splitlines(), start=1) if t.startswith("Cloud wonders"))
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    assert warnings == [f"{path}:{line}: 'Cloud wonders' is not in segment_labels.csv: left out (add the label to read it)"]
    assert rows.query("segment == 'cloud' and metric == 'revenue_yoy'").empty  # only the revenue table printed it
    assert value(rows, "FY2021Q3", "cloud", "revenue") == 16115  # the segment table still names it
    result = run("extract", path)
    assert result.returncode == 0 and "'Cloud wonders' is not in segment_labels.csv" in result.stderr


def test_the_cli_writes_rows_that_validate(tmp_path):
    out = tmp_path / "rows.csv"
    result = run("extract", RELEASES / "fy2024q3_business_groups.txt", "--out", out)
    assert result.returncode == 0, result.stderr
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == (Path(alibiz.__file__).parent / "data" / "metrics.csv").read_text(encoding="utf-8").splitlines()[0]
    checked = run("validate", out)
    assert checked.returncode == 0, checked.stderr
    stdout = run("extract", RELEASES / "fy2024q3_business_groups.txt")
    assert stdout.stdout == out.read_text(encoding="utf-8")


def test_several_files_at_once(tmp_path):
    result = run("extract", RELEASES / "fy2024q3_business_groups.txt", RELEASES / "fy2027q1_ai_segments.txt")
    assert result.returncode == 0, result.stderr
    periods = {line.split(",")[1] for line in result.stdout.splitlines()[1:]}
    assert {"FY2024Q3", "FY2027Q1"} <= periods
    twice = run("extract", RELEASES / "fy2027q1_ai_segments.txt", RELEASES / "fy2027q1_ai_segments.txt")
    assert twice.returncode == 1 and "duplicate" in twice.stderr.lower() and twice.stdout == ""


@pytest.mark.parametrize("ci", [None, "true"])
def test_a_terminal_sees_which_file_is_read_and_a_pipe_or_ci_nothing(tmp_path, ci):
    renamed = tmp_path / "renamed.txt"  # one unknown name: its warning gets a line of its own
    text = (RELEASES / "fy2021q3_four_segments.txt").read_text(encoding="utf-8")
    renamed.write_text(text.replace("Cloud computing 10,721", "Cloud wonders 10,721"), encoding="utf-8")
    files = [RELEASES / "fy2024q3_business_groups.txt", renamed]
    environment = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": ci} if ci else {})
    code, out, shown = on_a_terminal([ALIBIZ, "extract", *files], cwd=tmp_path, env=environment)
    assert code == 0 and out == run("extract", *files).stdout
    warning = f"{renamed}:{text.splitlines().index(next(t for t in text.splitlines() if t.startswith('Cloud computing'))) + 1}: 'Cloud wonders'"
    shown = shown.replace("\r\n", "\n")  # the terminal's own line ends
    if ci:
        assert shown.startswith(warning) and shown.count("\n") == 1 and "\r" not in shown
        return
    assert "\ralibiz extract: 0 of 2 files done, 2 left; reading fy2024q3_business_groups.txt" in shown
    assert "\ralibiz extract: 2 of 2 files done, 0 left" in shown
    assert f"\r{warning}" in shown  # on a line of its own, the progress line erased first
    assert shown.endswith("\r") and shown.split("\r")[-2].strip() == ""  # erased before the rows are written


def test_diff_against_the_bundled_data_and_a_changed_copy(tmp_path):
    same = run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--diff")
    assert same.returncode == 0, same.stderr
    assert same.stdout.strip().splitlines()[-1] == "0 new, 38 same, 0 different"
    changed = tmp_path / "metrics.csv"
    bundled = (Path(alibiz.__file__).parent / "data" / "metrics.csv").read_text(encoding="utf-8")
    changed.write_text(bundled.replace(",ai_labs,AI Labs and Applications,revenue,3338,", ",ai_labs,AI Labs and Applications,revenue,3339,"), encoding="utf-8")
    differs = run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--diff", "--metrics", changed)
    assert differs.returncode == 1
    lines = differs.stdout.splitlines()
    assert lines[0].startswith("different  FY2027Q1  ai_labs")
    assert "release: 3338 (Alibaba Group Announces June Quarter 2026 Results" in lines[1]
    assert "data:    3339 (Alibaba Group Announces June Quarter 2026 Results, company release 2026-08-20 (PDF:" in lines[2]


def _without_quarter(tmp_path, quarter):
    bundled = (Path(alibiz.__file__).parent / "data" / "metrics.csv").read_bytes()
    kept = [line for line in bundled.split(b"\n") if f",{quarter},".encode() not in line]
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"\n".join(kept))
    return path, bundled


def test_append_adds_only_the_new_rows_and_leaves_the_rest_byte_for_byte(tmp_path):
    path, _ = _without_quarter(tmp_path, "FY2027Q1")
    before = path.read_bytes()
    result = run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--append", path)
    assert result.returncode == 0, result.stderr
    after = path.read_bytes()
    assert after.startswith(before)
    added = after[len(before):].decode("utf-8").splitlines()
    assert len(added) == 25 and all(",FY2027Q1," in line for line in added)
    assert result.stdout.startswith("added 25 new rows to")
    assert run("validate", path).returncode == 0
    again = run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--append", path)
    assert again.returncode == 0 and again.stdout.startswith("added 0 new rows") and path.read_bytes() == after
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.csv"]  # no temporary file left


def test_append_refuses_differing_rows_and_writes_nothing(tmp_path):
    path, bundled = _without_quarter(tmp_path, "FY2099Q1")
    path.write_bytes(bundled.replace(b",cloud,AI Cloud and Compute Services,revenue,48437,", b",cloud,AI Cloud and Compute Services,revenue,48438,"))
    before = path.read_bytes()
    result = run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--append", path)
    assert result.returncode == 1
    assert "differ from this file" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_append_to_a_bad_file_writes_nothing(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("period_end,fiscal_period\n2024-09-30,FY2025Q2\n", encoding="utf-8")
    result = run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--append", path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert path.read_text(encoding="utf-8") == "period_end,fiscal_period\n2024-09-30,FY2025Q2\n"


def test_out_diff_and_append_are_one_at_a_time(tmp_path):
    result = run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--diff", "--out", tmp_path / "x.csv")
    assert result.returncode == 2 and not (tmp_path / "x.csv").exists()
    assert run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--metrics", tmp_path / "m.csv").returncode == 2
    two = run("extract", RELEASES / "fy2027q1_ai_segments.txt", RELEASES / "fy2024q3_business_groups.txt", "--url", "https://example.org/r.pdf")
    assert two.returncode == 2 and "one FILE" in two.stderr


def test_url_goes_into_the_source():
    rows = read("fy2027q1_ai_segments.txt", url="https://example.org/Alibaba%20Q.pdf")
    assert (rows["source"] == "Alibaba Group Announces June Quarter 2026 Results, company release 2026-08-20 (PDF: https://example.org/Alibaba%20Q.pdf)").all()


def test_append_that_cannot_write_is_one_line(tmp_path, monkeypatch, capsys):
    from alibiz import cli

    path, _ = _without_quarter(tmp_path, "FY2027Q1")
    before = path.read_bytes()

    def refused(target, data):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(files, "write_atomic", refused)
    assert cli.main(["extract", str(RELEASES / "fy2027q1_ai_segments.txt"), "--append", str(path)]) == 1
    assert capsys.readouterr().err.strip() == f"alibiz extract: cannot write {path}: Permission denied"
    assert path.read_bytes() == before


def test_tokens_handle_the_printed_forms():
    found = extract.tokens("Revenue(1) 1,234 (25)% (0)% — N/A 5 % 66,637(3)")
    assert [(t.value, t.kind) for t in found[1:]] == [(1234, "money"), (-25, "pct"), (0, "pct"), (None, "blank"), (None, "blank"), (5, "pct"), (66637, "money")]
    assert found[0].text == "Revenue"


def test_import_alibiz_stays_light():
    script = "import sys, alibiz; print([m for m in ('pypdf', 'alibiz.extract') if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert alibiz.extract_release is extract_release


def _edited(tmp_path, name, *replacements):
    """A fixture with each (old, new) replaced once: the case a test reads."""
    text = (RELEASES / name).read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _nothing_wrong(rows):
    """No row read differs from the bundled data (a wrong value is worse than a missing one)."""
    compared = extract.compare(rows, alibiz.load_metrics())
    assert not (compared["status"] == "different").any(), compared[compared["status"] == "different"]


def test_a_segment_table_heading_the_labels_only_half_know_shifts_no_column(tmp_path):
    # 'Cloud computing' is a label; 'Cloud computing and AI' is not: the heading is one column, not two
    path = _edited(tmp_path, "fy2021q3_four_segments.txt", ("Cloud\ncomputing\nDigital", "Cloud\ncomputing and AI\nDigital"))
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    _nothing_wrong(rows)
    assert any("'and AI' is not in segment_labels.csv" in w for w in warnings)
    assert any("do not match its 6 RMB columns" in w for w in warnings)
    assert rows.query("fiscal_period == 'FY2021Q3' and metric == 'adjusted_ebita' and segment != 'group'").empty
    assert value(rows, "FY2020Q3", "dme", "adjusted_ebita", "restated") == -3400  # the other block still reads


def test_a_segment_table_row_short_of_a_cell_is_left_out(tmp_path):
    # the footnote paragraph's '(1)' after the row would make up the count: the row no longer adds up
    path = _edited(tmp_path, "fy2021q3_four_segments.txt", ("Adjusted EBITA 58,075 (356) (3,400)", "Adjusted EBITA 58,075 (3,400)"))
    line = path.read_text(encoding="utf-8").splitlines().index("Adjusted EBITA 58,075 (3,400) (1,768) (1,889) 50,662") + 1
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    _nothing_wrong(rows)
    assert rows.query("fiscal_period == 'FY2020Q3' and metric == 'adjusted_ebita' and segment != 'group'").empty
    assert warnings == [f"{path}:{line}: a row whose figures do not match the segment table's 6 columns (or do not add up to its total): left out"]


def test_footnote_markers_in_a_segment_table_row_are_dropped_only_when_unambiguous(tmp_path):
    # one marker too many: dropped; two '(n)' cells where one is too many: which is the loss of 3?
    one = _edited(tmp_path, "fy2021q3_four_segments.txt", ("Adjusted EBITA 58,075 (356)", "Adjusted EBITA 58,075 (2) (356)"))
    rows = extract_release(one)
    assert value(rows, "FY2020Q3", "cloud", "adjusted_ebita", "restated") == -356
    two = _edited(tmp_path, "fy2021q3_four_segments.txt", ("Adjusted EBITA 58,075 (356) (3,400) (1,768) (1,889)",
                                                           "Adjusted EBITA 58,075 (2) (356) (3,400) (1,768) (3)"))
    warnings = []
    rows = extract_release(two, warn=warnings.append)
    assert rows.query("fiscal_period == 'FY2020Q3' and metric == 'adjusted_ebita' and segment != 'group'").empty
    assert len(warnings) == 1 and "do not match the segment table's 6 columns (or do not add up to its total)" in warnings[0]


def test_a_percentage_run_into_the_next_rows_name_is_still_its_rows_last_cell(tmp_path):
    # text layers drop the space at a line end: '(18)%Adjusted EBITA margin' (the March 2023 release)
    path = _edited(tmp_path, "fy2023q1_seven_segments.txt", ("(27)% (18)%  Adjusted EBITA margin", "(27)% (18)%Adjusted EBITA margin"))
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    assert warnings == []
    assert value(rows, "FY2023Q1", "aidc", "adjusted_ebita_yoy") == -52
    assert value(rows, "FY2023Q1", "group", "adjusted_ebita_yoy") == -18
    assert [t.text for t in extract.tokens("9% 60%Adjusted EBITA 2%-3% 100%owned")] == ["9%", "60%", "Adjusted", "EBITA", "2%-3%", "100%owned"]


def test_thin_spaces_between_digit_groups_are_thousands_separators(tmp_path):
    path = _edited(tmp_path, "fy2027q1_ai_segments.txt", ("AI Cloud and Compute Services 33,418 48,437 7,139 45%",
                                                          "AI Cloud and Compute Services 33\u2009418 48\u202f437 7\u2009139 45%"))
    assert value(extract_release(path), "FY2027Q1", "cloud", "revenue") == 48437


def test_a_no_break_space_between_digit_groups_leaves_its_row_out(tmp_path):
    # '33 418' with a no-break space: the thousands separator of some typesetting, or a space between two cells
    path = _edited(tmp_path, "fy2027q1_ai_segments.txt", ("AI Labs and Applications 2,882 3,338 492 16%",
                                                          "AI Labs and Applications 882\u00a0338 492 16%"))
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    _nothing_wrong(rows)
    assert rows.query("segment == 'ai_labs' and metric in ('revenue', 'revenue_yoy')").empty
    assert warnings == [f"{path}:6: a row with '882 338', a figure with a no-break space inside it (one figure, or two cells?): left out"]
    assert value(rows, "FY2027Q1", "cloud", "revenue") == 48437


def test_a_loss_printed_with_a_minus_sign_or_en_dash(tmp_path):
    path = _edited(tmp_path, "fy2021q3_four_segments.txt",
                   ("Adjusted EBITA 66,637(3) 24 (1,389) (1,992) (2,027) 61,253 9,387", "Adjusted EBITA 66,637(3) 24 \u20131,389 \u22121,992 -2,027 61,253 9,387"),
                   ("Adjusted EBITA 58,075 (356) (3,400) (1,768) (1,889) 50,662", "Adjusted EBITA 58,075 \u2013356 \u20133,400 \u20131,768 \u20131,889 50,662"))
    rows = extract_release(path)
    assert value(rows, "FY2021Q3", "dme", "adjusted_ebita") == -1389
    assert value(rows, "FY2021Q3", "innovation", "adjusted_ebita") == -1992
    assert [(t.value, t.kind) for t in extract.tokens(extract._normalized("\u221227%(3) \u20135(2)"))] == [(-27, "pct"), (-5, "money")]
    assert value(rows, "FY2020Q3", "cloud", "adjusted_ebita", "restated") == -356


def test_a_count_in_a_sentence_is_read_whole(tmp_path):
    path = _edited(tmp_path, "fy2021q3_four_segments.txt", ("reached 779 million", "reached 1,079 million"))
    assert value(extract_release(path), "FY2021Q3", "china_ecommerce", "aac") == 1079  # not 79, not left out
    doc = extract.Text.of("served 1,012 million consumers in China and 305 million consumers overseas")
    assert [m.group(1) for m in re.finditer(extract._COUNT + " million", doc.flat)] == ["1,012", "305"]



@pytest.mark.parametrize("printed", ["RMB43,574", "RMB 43,574"])
def test_segment_growth_sentence_with_or_without_a_space_after_rmb(printed):
    doc = extract.Text.of(f"China commerce segment – Adjusted EBITA decreased by 14% to {printed} million (US$6,506 million) in the quarter")
    table = [extract.Figure(("China commerce",), "adjusted_ebita", 43574.0, "as_reported", "segment information table", 0)]
    found = extract._growth_sentences(None, doc, table)
    assert [(f.names, f.metric, f.value) for f in found] == [(("China commerce",), "adjusted_ebita_yoy", -14.0)]


def test_a_text_cut_short_inside_a_table_row_gives_no_figure_of_that_row(tmp_path):
    text = (RELEASES / "fy2027q1_ai_segments.txt").read_text(encoding="utf-8")
    path = tmp_path / "cut.txt"
    path.write_text(text[: text.index("AI Labs and Applications 2,882 3,338") + len("AI Labs and Applications 2,882 3")], encoding="utf-8")
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    _nothing_wrong(rows)
    assert rows.query("segment == 'ai_labs'").empty
    assert warnings == [f"{path}:6: the text ends in this row (is the file cut short?): left out"]
    assert value(rows, "FY2027Q1", "cloud", "revenue") == 48437  # the rows before it are whole


def test_dates_run_together_with_their_year(tmp_path):
    # a text layer that drops the space after the comma: 'February 2,2021', 'December 31,2020'
    path = _edited(tmp_path, "fy2021q3_four_segments.txt", ("February 2, 2021", "February 2,2021"), ("December 31,\n2020.", "December 31,2020."))
    rows = extract_release(path)
    assert (rows["published"] == pd.Timestamp("2021-02-02")).all()
    assert set(rows.loc[rows["basis"] == "as_reported", "fiscal_period"]) == {"FY2021Q3"}
    path = _edited(tmp_path, "fy2027q1_ai_segments.txt", ("August 20, 2026", "August 20,2026"))
    assert (extract_release(path)["published"] == pd.Timestamp("2026-08-20")).all()


def test_append_through_a_symbolic_link_updates_its_target(tmp_path):
    path, _ = _without_quarter(tmp_path, "FY2027Q1")
    link = tmp_path / "link.csv"
    link.symlink_to(path.name)
    result = run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--append", link)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and ",FY2027Q1," in path.read_text(encoding="utf-8")
    out = tmp_path / "out_link.csv"
    out.symlink_to("rows.csv")
    assert run("extract", RELEASES / "fy2027q1_ai_segments.txt", "--out", out).returncode == 0
    assert out.is_symlink() and (tmp_path / "rows.csv").read_text(encoding="utf-8").startswith("period_end,")


def test_append_to_a_read_only_file_is_refused(tmp_path, monkeypatch, capsys):
    from alibiz import cli

    path, _ = _without_quarter(tmp_path, "FY2027Q1")
    before = path.read_bytes()
    monkeypatch.setattr(extract.os, "access", lambda target, mode: False)  # as a user without write permission sees it (root may write anything)
    assert cli.main(["extract", str(RELEASES / "fy2027q1_ai_segments.txt"), "--append", str(path)]) == 1
    assert capsys.readouterr().err.strip() == f"alibiz extract: cannot write {path}: Permission denied (the file is read-only)"
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["metrics.csv"]


def test_several_files_with_bad_ones_name_each_and_write_nothing(tmp_path):
    empty, binary = tmp_path / "empty.txt", tmp_path / "blob.bin"
    empty.write_bytes(b"")
    binary.write_bytes(bytes(range(256)) * 4)
    good = RELEASES / "fy2027q1_ai_segments.txt"
    result = run("extract", empty, good, binary)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"alibiz extract: {empty}: is empty: give the results announcement (PDF, 6-K HTML exhibit or its text)",
                                          f"alibiz extract: {binary}: is a binary file, not a results announcement (PDF, 6-K HTML exhibit or text)",
                                          "alibiz extract: 2 of 3 files could not be read: nothing written"]
    path, _ = _without_quarter(tmp_path, "FY2027Q1")
    before = path.read_bytes()
    assert run("extract", good, empty, "--append", path).returncode == 1 and path.read_bytes() == before
    with pytest.raises(ExtractError, match="is empty"):
        extract.extract_releases([good, empty])


def test_a_day_that_does_not_exist_is_one_clear_error(tmp_path):
    path = _edited(tmp_path, "fy2027q1_ai_segments.txt", ("August 20, 2026", "August 32, 2026"))
    result = run("extract", path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"alibiz extract: {path}: names a day that does not exist ('June 30, 2026' or 'August 32, 2026')\n"


@pytest.mark.parametrize("old, new, message", [
    ("for the quarter ended June 30, 2026", "for the quarter ended June 30, 2019",
     "is titled 'Alibaba Group Announces June Quarter 2026 Results' but gives its results for the quarter ended June 30, 2019"),
    ("August 20, 2026 - Alibaba", "August 20, 2016 - Alibaba", "is dated August 20, 2016, not in the year after the quarter it reports (ended June 30, 2026)"),
])
def test_a_release_whose_title_quarter_and_date_disagree_is_refused(tmp_path, old, new, message):
    # read as it stands, the tables' 2025 and 2026 columns became FY2019Q1 and FY2020Q1 figures
    path = _edited(tmp_path, "fy2027q1_ai_segments.txt", (old, new))
    with pytest.raises(ExtractError, match=re.escape(message)):
        extract_release(path)


def test_a_segment_table_of_other_years_is_not_read_as_the_quarters(tmp_path):
    text = (RELEASES / "fy2027q1_ai_segments.txt").read_text(encoding="utf-8")
    ebita_table = text.index("breakdown of our adjusted EBITA by segment")
    path = tmp_path / "years.txt"
    path.write_text(text[:ebita_table] + text[ebita_table:].replace("2025 2026", "2024 2025", 1), encoding="utf-8")
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    _nothing_wrong(rows)
    assert rows.query("metric == 'adjusted_ebita' and segment != 'group'").empty
    assert value(rows, "FY2027Q1", "cloud", "revenue") == 48437
    assert warnings == [f"{path}:9: the adjusted-EBITA-by-segment table: its header ('Three months ended June 30, 2024 2025 RMB RMB US$ "
                        "YoY % Change') does not give the columns of 2026 and 2025: left out"]


@pytest.mark.parametrize("old, new, segment, metric, why", [
    ("AI Cloud and Compute Services 33,418 48,437 7,139 45%", "AI Cloud and Compute Services 33,418 7,139 45%", "cloud", "revenue",
     "growth printed 45%, its amounts give -79%"),
    ("All others 687 (3,343) (493) N/A", "All others 687 (493) N/A", "all_others", "adjusted_ebita",
     "no US$ amount beside the quarter's and no growth to check it by"),
])
def test_a_row_that_lost_a_cell_is_left_out_not_shifted(tmp_path, old, new, segment, metric, why):
    # the US$ amount slides into the quarter's column and the kinds of the cells still fit
    path = _edited(tmp_path, "fy2027q1_ai_segments.txt", (old, new))
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    _nothing_wrong(rows)
    assert rows.query("segment == @segment and metric.str.startswith(@metric)", engine="python").empty
    assert len(warnings) == 1 and warnings[0].endswith(f": a row whose figures disagree ({why}): left out")


def test_a_cell_printed_twice_does_not_become_the_next_rows(tmp_path):
    # the repeated 7% ran on into a row of its own, read as the subtotal's growth
    path = _edited(tmp_path, "fy2026q1_four_segments.txt", ("29,325 7%\n108,522", "29,325 7% 7%\n108,522"))
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    _nothing_wrong(rows)
    assert rows.query("segment == 'china_commerce_retail' and fiscal_period == 'FY2026Q1'").empty
    assert warnings and all("do not line up" in w or "without a name" in w for w in warnings)


def test_two_figures_exchanged_in_a_segment_table_are_caught_by_its_growth_row(tmp_path):
    # the row still adds up to its total; the growth row against the year before's block does not agree
    path = _edited(tmp_path, "fy2023q1_seven_segments.txt", ("Revenue 141,935 15,451 10,632 12,142", "Revenue 141,935 10,632 15,451 12,142"))
    warnings = []
    rows = extract_release(path, warn=warnings.append)
    _nothing_wrong(rows)
    assert rows.query("segment == 'aidc' and metric == 'revenue'")["note"].str.contains("revenue-by-segment table").all()  # the other table's
    assert value(rows, "FY2023Q1", "aidc", "revenue") == 15451 and value(rows, "FY2023Q1", "local_services", "revenue") == 10632
    assert any("'International commerce' in the segment table: growth printed 2%, its amounts give -30%" in w for w in warnings)


def test_what_pypdf_logs_about_a_damaged_pdf_gets_a_line_of_its_own_above_the_progress_line(tmp_path):
    data = _pdf((RELEASES / "fy2024q3_business_groups.txt").read_text(encoding="utf-8"))
    pointer = data.rindex(b"startxref")
    (tmp_path / "damaged.pdf").write_bytes(data[:pointer] + b"startxref\n12" + data[data.index(b"\n", pointer + 10):])
    files = [tmp_path / "damaged.pdf", RELEASES / "fy2027q1_ai_segments.txt"]
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    piped = run("extract", *files)
    assert piped.returncode == 0 and "incorrect startxref pointer(1)\n" in piped.stderr  # pypdf's own words, as before
    code, out, shown = on_a_terminal([ALIBIZ, "extract", *files], cwd=tmp_path, env=environment)
    assert code == 0 and out == piped.stdout
    shown = shown.replace("\r\n", "\n")
    assert "damaged.pdfincorrect" not in shown  # not written onto the end of the progress line
    assert "\rincorrect startxref pointer(1)\n" in shown  # the progress line erased first
    assert shown.endswith("\r") and shown.split("\r")[-2].strip() == ""
