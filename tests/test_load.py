import csv
import io
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alibiz
from conftest import HEADER, ROWS

REPO_DATA = Path(__file__).resolve().parents[1] / "data"


def csv_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    "loader, file",
    [
        (alibiz.load_metrics, "metrics.csv"),
        (alibiz.load_events, "events.csv"),
        (alibiz.load_segment_labels, "segment_labels.csv"),
        (alibiz.load_annual, "annual.csv"),
    ],
)
def test_bundled_files_load_with_every_row(loader, file):
    frame = loader()
    assert len(frame) == len(csv_rows(REPO_DATA / file)) > 0


def test_bundled_copy_is_the_checkout_copy():
    bundled = resources.files("alibiz").joinpath("data", "metrics.csv").read_bytes()
    assert bundled == (REPO_DATA / "metrics.csv").read_bytes()


def test_metrics_frame_follows_the_contract():
    frame = alibiz.load_metrics()
    assert list(frame.columns) == [
        "period_end", "fiscal_period", "period", "segment", "segment_label", "metric",
        "value", "unit", "basis", "source", "published", "note",
    ]  # fmt: skip
    assert frame["value"].dtype == np.float64
    assert str(frame["period"].dtype) == "period[Q-MAR]"
    # the label sorts chronologically, so it can be used to sort and group
    assert sorted(frame["fiscal_period"]) == frame.sort_values("period_end")["fiscal_period"].tolist()


def test_returned_frames_are_copies_the_user_may_change():
    first = alibiz.load_metrics()
    first.loc[0, "value"] = -1.0
    assert alibiz.load_metrics().loc[0, "value"] != -1.0


def test_registries():
    registry = alibiz.load_metric_registry().set_index("metric")
    assert registry.loc["revenue", "unit"] == "RMB_mn"
    assert registry.loc["cmr_yoy", "unit"] == "pct"
    segments = set(alibiz.load_segments()["segment"])
    assert {"group", "china_ecommerce", "aidc", "cloud"} <= segments


def test_series_is_indexed_by_quarter_end_and_keeps_gaps(write_csv):
    rows = [
        ROWS[0],
        ROWS[0].replace("2024-09-30,FY2025Q2", "2025-03-31,FY2025Q4").replace("31672", "30000").replace("2024-11-15", "2025-05-15"),
    ]
    metrics = alibiz.load_metrics(write_csv("\n".join([HEADER, *rows]) + "\n"))
    s = alibiz.series("aidc", "revenue", metrics=metrics)
    assert s.index.strftime("%Y-%m-%d").tolist() == ["2024-09-30", "2024-12-31", "2025-03-31"]
    assert s.iloc[0] == 31672 and np.isnan(s.iloc[1]) and s.iloc[2] == 30000
    assert s.attrs["unit"] == "RMB_mn"
    assert alibiz.series("aidc", "revenue", basis="restated", metrics=metrics).empty


def test_series_refuses_unknown_metric_and_basis():
    with pytest.raises(KeyError, match="unknown metric"):
        alibiz.series("aidc", "gmv")
    with pytest.raises(ValueError, match="basis"):
        alibiz.series("aidc", "revenue", basis="latest")


def test_a_valid_file_of_100_000_rows_loads_with_all_its_rows(tmp_path):
    quarters = pd.period_range("1920Q1", periods=450, freq="Q-MAR")
    metrics = alibiz.load_metric_registry()
    segments = alibiz.load_segments()["segment"]
    keys = pd.MultiIndex.from_product(
        [quarters, segments, metrics["metric"], ["as_reported", "restated"]], names=["q", "s", "m", "b"]
    )
    keys = keys.to_frame(index=False).iloc[:100_000]
    frame = pd.DataFrame({
        "period_end": keys["q"].dt.end_time.dt.strftime("%Y-%m-%d"),
        "fiscal_period": "FY" + keys["q"].dt.qyear.astype(str) + "Q" + keys["q"].dt.quarter.astype(str),
        "segment": keys["s"], "segment_label": "Label, with comma", "metric": keys["m"],
        "value": np.arange(len(keys)) * 1.5 - 7, "unit": keys["m"].map(dict(zip(metrics["metric"], metrics["unit"]))),
        "basis": keys["b"], "source": "Synthetic",
        "published": (keys["q"].dt.end_time + pd.Timedelta(days=45)).dt.strftime("%Y-%m-%d"), "note": "",
    })  # fmt: skip
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    loaded = alibiz.load_metrics(path)
    assert len(loaded) == 100_000
    assert loaded["value"].sum() == pytest.approx(frame["value"].sum())


def test_numbers_are_the_same_whichever_way_they_are_read(write_csv, metrics_text):
    """A quoted cell before ``value`` sends it through the text path instead of the reader's floats."""
    plain = alibiz.load_metrics(write_csv(metrics_text()))
    label = "Alibaba International Digital Commerce Group"
    quoted = alibiz.load_metrics(write_csv(metrics_text([r.replace(label, f'"{label}, AIDC"') for r in ROWS]), name="q.csv"))
    assert plain["value"].tolist() == quoted["value"].tolist() == [31672.0, 29.0, -2905.0]
    assert plain["value"].dtype == quoted["value"].dtype == "float64"


@pytest.fixture(params=["small", "large"])
def reading(request, monkeypatch):
    """Run a test with small files read as plain strings and as large files are, as categoricals."""
    if request.param == "large":
        monkeypatch.setattr("alibiz.load._CATEGORICALS_ABOVE", 0)
    return request.param


def test_text_that_reads_as_numbers_is_kept_as_written(reading, write_csv, metrics_text):
    """pandas' reader turns a categorical whose values all look numeric into numbers ('1.50' -> 1.5)."""
    rows = [row.removesuffix(",loss") + ",1.50" if row.endswith(",loss") else row + "1.50" for row in ROWS]
    frame = alibiz.load_metrics(write_csv(metrics_text(rows)))
    assert frame["note"].tolist() == ["1.50", "1.50", "1.50"]


def test_an_annual_total_in_scientific_notation_is_refused(reading, write_csv):
    annual = (REPO_DATA / "annual.csv").read_text(encoding="utf-8").splitlines()
    header = annual[0].split(",")
    row = next(csv.reader([annual[1]]))
    row[header.index("value")] = "3.17E+04"
    text = "\n".join([annual[0], ",".join(f'"{cell}"' if "," in cell else cell for cell in row), *annual[2:]]) + "\n"
    with pytest.raises(alibiz.DataError, match=r":2: column 'value': is not a number: write it in full, not in scientific notation"):
        alibiz.load_annual(write_csv(text, name="annual.csv"))


@pytest.mark.parametrize("file", ["metrics", "events", "segment_labels", "annual"])
def test_small_and_large_files_are_read_alike(file, monkeypatch):
    loader = getattr(alibiz, f"load_{file}")
    path = REPO_DATA / f"{file}.csv"
    small = loader(path)
    monkeypatch.setattr("alibiz.load._CATEGORICALS_ABOVE", 0)
    pd.testing.assert_frame_equal(loader(path), small)


def test_small_and_large_files_are_refused_alike(write_csv, metrics_text, monkeypatch):
    rows = [ROWS[0].replace("aidc", "AIDC"), ROWS[1].replace(",29,", ",29%,"), ROWS[2].replace("2024-11-15,loss", "2024-09-29,loss"), ROWS[2]]
    path = write_csv(metrics_text(rows))
    with pytest.raises(alibiz.DataError) as small:
        alibiz.load_metrics(path)
    monkeypatch.setattr("alibiz.load._CATEGORICALS_ABOVE", 0)
    with pytest.raises(alibiz.DataError) as large:
        alibiz.load_metrics(path)
    assert str(large.value) == str(small.value)
    assert len(str(small.value).splitlines()) == 4


def test_a_file_that_changes_while_it_is_read_is_refused(write_csv, metrics_text, monkeypatch):
    """A large file is read twice at once (by pandas' reader and by the byte scan): both must see one file."""
    path = write_csv(metrics_text())
    monkeypatch.setattr("alibiz.load._CATEGORICALS_ABOVE", 0)
    read_bytes = alibiz.load._bytes

    def saved_meanwhile(*args):
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(ROWS[0].replace("2024-11-15,", "2024-11-16,") + "\n")
        return read_bytes(*args)

    monkeypatch.setattr("alibiz.load._bytes", saved_meanwhile)
    with pytest.raises(alibiz.DataError, match="changed while it was being read: load it again once it is saved"):
        alibiz.load_metrics(path)


@pytest.mark.parametrize("spaces", [" ", "   ", "\t"])
def test_spaces_that_start_a_record_at_the_edge_of_the_readers_buffer_are_kept(reading, spaces, write_csv, metrics_text):
    """pandas' reader, skipping blank lines, drops spaces that start a record and end its 256 KiB buffer."""
    edge = 1 << 18
    first = ROWS[0].replace('2024-11-15"', '2024-11-15 {}"')
    padding = edge - len(spaces) - len((HEADER + "\n" + first.format("") + "\n").encode())
    text = metrics_text([first.format("x" * padding), spaces + ROWS[1], ROWS[2]])
    assert text.index(spaces + ROWS[1]) == edge - len(spaces)
    with pytest.raises(alibiz.DataError) as error:
        alibiz.load_metrics(write_csv(text))
    assert str(error.value).splitlines() == [f"{write_csv(text)}:3: column 'period_end': has leading or trailing spaces (got {spaces + '2024-09-30'!r})"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_blank_lines_around_a_record_that_starts_with_a_space_are_skipped_and_counted(reading, newline, write_csv):
    """Such a file is read keeping blank lines, which are then dropped: only the spaced cell is a problem."""
    text = newline.join(["", "", HEADER, ROWS[0], "", " " + ROWS[1], "", ROWS[2], "", ""])
    with pytest.raises(alibiz.DataError) as error:
        alibiz.load_metrics(write_csv(text))
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in str(error.value).splitlines()] == ["6"]


def test_a_file_object_opened_in_binary_mode_loads_like_its_path(write_csv, metrics_text):
    path = write_csv(metrics_text())
    with open(path, "rb") as handle:
        from_handle = alibiz.load_metrics(handle)
    pd.testing.assert_frame_equal(from_handle, alibiz.load_metrics(path))
    bad = io.BytesIO(metrics_text([ROWS[0].replace("31672", "x")]).encode())
    with pytest.raises(alibiz.DataError, match=r"^<stream>:2: column 'value': is not a number"):
        alibiz.load_metrics(bad)
    with open(path, encoding="utf-8") as text, pytest.raises(TypeError, match="binary mode"):
        alibiz.load_metrics(text)
