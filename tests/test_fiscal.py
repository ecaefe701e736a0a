import pandas as pd
import pytest

from alibiz import fiscal


def test_fy2025q2_is_the_quarter_ended_september_2024():
    assert fiscal.quarter_end("FY2025Q2") == pd.Timestamp("2024-09-30")
    assert fiscal.label("2024-09-30") == "FY2025Q2"
    assert fiscal.label("2024-09-30", short=True) == "FY25Q2"
    assert fiscal.period("FY25Q2") == pd.Period("2025Q2", freq="Q-MAR")


@pytest.mark.parametrize("fiscal_year", range(2016, 2031))
@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_round_trip_every_quarter_fy2016_to_fy2030(fiscal_year, quarter):
    text = f"FY{fiscal_year}Q{quarter}"
    end = fiscal.quarter_end(text)
    assert fiscal.label(end) == text
    assert fiscal.label(fiscal.period(text)) == text
    assert fiscal.period(f"FY{fiscal_year % 100:02d}Q{quarter}") == fiscal.period(end)
    assert fiscal.labels_of([end]).tolist() == [text]
    # the fiscal year ends on 31 March: Q4 ends in the calendar year of its name
    assert end.year == (fiscal_year if quarter == 4 else fiscal_year - 1)
    assert end.month == {1: 6, 2: 9, 3: 12, 4: 3}[quarter]


@pytest.mark.parametrize(
    "bad, message",
    [
        ("FY2025Q5", "quarter must be 1 to 4"),
        ("FY2025Q0", "quarter must be 1 to 4"),
        ("FY202Q1", "not a fiscal quarter label"),
        ("FYQ1", "not a fiscal quarter label"),
        ("2024-09-29", "not a fiscal quarter end"),
        ("2024-10-01", "not a fiscal quarter end"),
        ("2024-09-30 12:00", "not a fiscal quarter end"),
        ("not a date", "neither a fiscal label"),
    ],
)
def test_bad_labels_and_dates_are_refused_with_a_reason(bad, message):
    with pytest.raises(ValueError, match=message):
        fiscal.period(bad)


def test_a_period_of_another_frequency_is_refused():
    with pytest.raises(ValueError, match="Q-MAR"):
        fiscal.period(pd.Period("2024Q3", freq="Q-DEC"))


def test_quarter_range_is_inclusive_and_uses_quarter_ends():
    dates = fiscal.quarter_range("FY2025Q4", "FY2026Q2")
    assert [d.strftime("%Y-%m-%d") for d in dates] == ["2025-03-31", "2025-06-30", "2025-09-30"]


def test_is_quarter_end_is_vectorised():
    dates = pd.to_datetime(["2024-03-31", "2024-06-30", "2024-06-29", "2024-12-31"])
    assert fiscal.is_quarter_end(dates).tolist() == [True, True, False, True]


@pytest.mark.parametrize(
    "end, short",
    [("1799-03-31", "FY1799Q4"), ("1999-03-31", "FY1999Q4"), ("1999-12-31", "FY00Q3"), ("2099-03-31", "FY99Q4"), ("2099-06-30", "FY2100Q1"), ("2101-06-30", "FY2102Q1")],
)
def test_a_short_label_never_stands_for_another_century(end, short):
    """FY99Q4 is read (and parsed) as fiscal 2099: other centuries keep their four digits."""
    assert fiscal.label(end, short=True) == short
    assert fiscal.period(short) == fiscal.period(end)
