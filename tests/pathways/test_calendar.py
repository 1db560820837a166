"""Specification of working days and due dates (POLICIES.md, "Working days").

Expected dates in the hand-counted tests were counted on paper from the published
bank-holiday lists, day by day, never computed with the code under test. The count is
in each test's comment: "24=1" means 24th is working day 1.
"""

from datetime import UTC, date, datetime, timedelta

import holidays
import numpy as np
import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from rpd.pathways.calendar import (
    CALENDARS,
    CLOSURE_DAY,
    EARLIEST,
    LATEST,
    LONDON,
    DateOutOfRange,
    UnknownCalendar,
    WorkingCalendar,
    end_of_day,
    get_calendar,
    local_date,
    today,
)

EW = "england-and-wales"
SOURCES = {
    "england-and-wales": ("GB", "ENG"),
    "scotland": ("GB", "SCT"),
    "northern-ireland": ("GB", "NIR"),
    "jersey": ("JE", None),
}


def due(calendar, d, n, **kwargs):
    return get_calendar(calendar).add_working_days(d, n, **kwargs)


# -- the policy's own examples ------------------------------------------------------------


def test_an_event_on_a_saturday_with_five_working_days_is_due_the_next_friday():
    # Sat 7 Nov 2026: Mon 9=1, 10=2, 11=3, 12=4, Fri 13=5.
    assert due(EW, date(2026, 11, 7), 5) == date(2026, 11, 13)


def test_an_event_on_a_monday_with_five_working_days_is_due_the_next_monday():
    # Mon 2 Nov 2026: 3=1, 4=2, 5=3, 6=4, Mon 9=5.
    assert due(EW, date(2026, 11, 2), 5) == date(2026, 11, 9)


def test_an_event_on_a_sunday_counts_from_the_monday_like_a_saturday():
    assert due(EW, date(2026, 11, 8), 5) == date(2026, 11, 13)


def test_one_working_day_after_a_friday_is_the_monday():
    assert due(EW, date(2026, 11, 6), 1) == date(2026, 11, 9)


def test_due_dates_match_numpy_busday_offset_with_a_backward_roll():
    public = holidays.country_holidays("GB", subdiv="ENG", years=range(2025, 2028))
    busdaycal = np.busdaycalendar(holidays=np.array(sorted(public), dtype="datetime64[D]"))
    for start in (date(2025, 12, 20) + timedelta(days=i) for i in range(30)):
        for n in (1, 2, 5, 10):
            expected = np.busday_offset(start, n, roll="backward", busdaycal=busdaycal)
            assert due(EW, start, n) == expected.astype(object), (start, n)


# -- n == 0 and bad input -----------------------------------------------------------------


def test_zero_working_days_from_a_saturday_is_the_monday():
    assert due(EW, date(2026, 11, 7), 0) == date(2026, 11, 9)


def test_zero_working_days_from_a_working_day_is_that_day():
    assert due(EW, date(2026, 11, 4), 0) == date(2026, 11, 4)


def test_zero_working_days_from_a_bank_holiday_is_the_next_working_day():
    # Not the packs' "immediately", which is the same calendar day (simulate.due_date).
    # Thu 25 and Fri 26 Dec 2025 are bank holidays; Mon 29 Dec is the next working day.
    assert due(EW, date(2025, 12, 25), 0) == date(2025, 12, 29)


def test_the_next_working_day_of_a_working_day_is_itself_and_of_easter_sunday_is_tuesday():
    calendar = get_calendar(EW)
    assert calendar.next_working_day(date(2026, 4, 2)) == date(2026, 4, 2)
    assert calendar.next_working_day(date(2026, 4, 5)) == date(2026, 4, 7)


def test_a_negative_number_of_working_days_is_refused():
    with pytest.raises(ValueError, match="negative"):
        due(EW, date(2026, 11, 2), -1)


def test_a_negative_number_of_working_days_is_refused_in_bulk_too():
    with pytest.raises(ValueError, match="negative"):
        get_calendar(EW).add_working_days_many(
            np.array(["2026-11-02"], dtype="datetime64[D]"), np.array([-1])
        )


def test_a_datetime_is_refused_where_a_london_date_is_needed():
    with pytest.raises(TypeError, match="local_date"):
        due(EW, datetime(2026, 11, 2, 9, tzinfo=LONDON), 1)


# -- calendars ----------------------------------------------------------------------------


def test_the_four_calendars_have_human_labels():
    assert CALENDARS == {
        "england-and-wales": "England and Wales",
        "scotland": "Scotland",
        "northern-ireland": "Northern Ireland",
        "jersey": "Jersey",
    }


@pytest.mark.parametrize("name", ["uk", "GB", "wales", "England and Wales", ""])
def test_an_unknown_calendar_is_refused_naming_the_known_ones(name):
    with pytest.raises(UnknownCalendar) as excinfo:
        WorkingCalendar(name)
    message = str(excinfo.value)
    for known in CALENDARS:
        assert known in message
    with pytest.raises(ValueError):
        get_calendar(name)


def test_calendars_are_shared_whatever_the_order_of_closure_days():
    a = get_calendar(EW, [date(2026, 12, 24), date(2026, 12, 31)])
    b = get_calendar(EW, (date(2026, 12, 31), date(2026, 12, 24), date(2026, 12, 24)))
    assert a is b
    assert get_calendar(EW) is get_calendar(EW)
    assert get_calendar(EW) is not a


def test_the_holidays_of_a_year_are_listed_in_date_order_with_their_names():
    listed = get_calendar(EW).holidays(2026)
    assert [d for d, _ in listed] == sorted(d for d, _ in listed)
    assert (date(2026, 12, 25), "Christmas Day") in listed
    assert date(2026, 12, 28) in {d for d, _ in listed}  # Boxing Day, substitute
    assert all(d.year == 2026 for d, _ in listed)


# -- Christmas, England and Wales ---------------------------------------------------------
# 2025: Thu 25 and Fri 26 Dec, Thu 1 Jan 2026.


def test_five_working_days_from_23_december_2025_is_friday_2_january():
    # Tue 23 Dec: Wed 24=1, Mon 29=2, 30=3, 31=4, (Thu 1 Jan holiday) Fri 2 Jan=5.
    assert due(EW, date(2025, 12, 23), 5) == date(2026, 1, 2)


def test_one_working_day_from_christmas_eve_2025_is_monday_29_december():
    assert due(EW, date(2025, 12, 24), 1) == date(2025, 12, 29)


def test_five_working_days_from_christmas_eve_2025_is_monday_5_january():
    # Wed 24 Dec: Mon 29=1, 30=2, 31=3, (1 Jan holiday) Fri 2=4, Mon 5=5.
    assert due(EW, date(2025, 12, 24), 5) == date(2026, 1, 5)


def test_an_event_on_christmas_day_2025_counts_from_monday_29_december():
    # Thu 25 Dec holiday: 29=1, 30=2.
    assert due(EW, date(2025, 12, 25), 2) == date(2025, 12, 30)


def test_one_working_day_from_new_years_eve_2025_skips_new_years_day():
    assert due(EW, date(2025, 12, 31), 1) == date(2026, 1, 2)


# 2026: Fri 25 Dec, Mon 28 Dec (substitute for Boxing Day, Sat 26), Fri 1 Jan 2027.


def test_one_working_day_from_christmas_eve_2026_is_tuesday_29_december():
    assert due(EW, date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_two_working_days_from_23_december_2026_is_tuesday_29_december():
    # Wed 23 Dec: Thu 24=1, (25, 26, 27, 28 off) Tue 29=2.
    assert due(EW, date(2026, 12, 23), 2) == date(2026, 12, 29)


def test_five_working_days_from_christmas_eve_2026_is_tuesday_5_january_2027():
    # Thu 24 Dec: 29=1, 30=2, 31=3, (Fri 1 Jan holiday) Mon 4=4, Tue 5=5.
    assert due(EW, date(2026, 12, 24), 5) == date(2027, 1, 5)


def test_the_boxing_day_substitute_monday_2026_is_not_a_working_day():
    calendar = get_calendar(EW)
    assert not calendar.is_working_day(date(2026, 12, 28))
    assert calendar.is_working_day(date(2026, 12, 29))


# -- Easter -------------------------------------------------------------------------------


def test_one_working_day_from_the_thursday_before_easter_2025_is_the_tuesday_after():
    # Good Friday 18 Apr, Easter Monday 21 Apr 2025.
    assert due(EW, date(2025, 4, 17), 1) == date(2025, 4, 22)


def test_five_working_days_from_the_thursday_before_easter_2025_is_monday_28_april():
    # Thu 17 Apr: Tue 22=1, 23=2, 24=3, 25=4, Mon 28=5.
    assert due(EW, date(2025, 4, 17), 5) == date(2025, 4, 28)


def test_three_working_days_from_wednesday_16_april_2025_is_wednesday_23_april():
    # Wed 16 Apr: Thu 17=1, Tue 22=2, Wed 23=3.
    assert due(EW, date(2025, 4, 16), 3) == date(2025, 4, 23)


def test_five_working_days_from_monday_30_march_2026_is_wednesday_8_april():
    # Good Friday 3 Apr, Easter Monday 6 Apr 2026. Mon 30 Mar: 31=1, 1 Apr=2, 2=3,
    # Tue 7=4, Wed 8=5.
    assert due(EW, date(2026, 3, 30), 5) == date(2026, 4, 8)


def test_one_working_day_from_the_thursday_before_easter_2026_is_the_tuesday_after():
    assert due(EW, date(2026, 4, 2), 1) == date(2026, 4, 7)


def test_easter_monday_is_a_working_day_in_scotland():
    # Scotland has Good Friday but not Easter Monday as a bank holiday.
    assert due("scotland", date(2025, 4, 17), 1) == date(2025, 4, 21)
    assert due(EW, date(2025, 4, 17), 1) == date(2025, 4, 22)


# -- the nations differ -------------------------------------------------------------------


def test_liberation_day_is_a_holiday_in_jersey_but_a_working_day_in_england():
    assert not get_calendar("jersey").is_working_day(date(2025, 5, 9))
    assert get_calendar(EW).is_working_day(date(2025, 5, 9))


def test_five_working_days_from_7_may_2025_differ_between_jersey_and_england():
    # Wed 7 May. England: 8=1, Fri 9=2, 12=3, 13=4, Wed 14=5.
    # Jersey, Fri 9 is Liberation Day: 8=1, 12=2, 13=3, 14=4, Thu 15=5.
    assert due(EW, date(2025, 5, 7), 5) == date(2025, 5, 14)
    assert due("jersey", date(2025, 5, 7), 5) == date(2025, 5, 15)


def test_the_early_may_bank_holiday_2025_is_skipped_in_both_and_liberation_day_in_jersey():
    # Fri 2 May; Mon 5 May is the early May bank holiday everywhere.
    # England: 6=1, 7=2, 8=3, 9=4, Mon 12=5. Jersey: 6=1, 7=2, 8=3, 12=4, Tue 13=5.
    assert due(EW, date(2025, 5, 2), 5) == date(2025, 5, 12)
    assert due("jersey", date(2025, 5, 2), 5) == date(2025, 5, 13)


def test_2_january_is_a_holiday_in_scotland_but_not_in_england():
    # Wed 31 Dec 2025: England Fri 2 Jan is day 1; Scotland 1 and 2 Jan are both off,
    # so Mon 5 Jan is day 1.
    assert due(EW, date(2025, 12, 31), 1) == date(2026, 1, 2)
    assert due("scotland", date(2025, 12, 31), 1) == date(2026, 1, 5)


def test_st_patricks_day_is_a_holiday_in_northern_ireland_but_not_in_england():
    # Mon 16 Mar 2026: Tue 17 is St Patrick's Day in Northern Ireland.
    assert due(EW, date(2026, 3, 16), 1) == date(2026, 3, 17)
    assert due("northern-ireland", date(2026, 3, 16), 1) == date(2026, 3, 18)
    # Fri 14 Mar 2025: Mon 17 is St Patrick's Day.
    assert due(EW, date(2025, 3, 14), 1) == date(2025, 3, 17)
    assert due("northern-ireland", date(2025, 3, 14), 1) == date(2025, 3, 18)


def test_the_united_kingdom_is_never_mixed_into_england_and_wales():
    # Scottish and Northern Irish holidays are working days in England and Wales.
    calendar = get_calendar(EW)
    assert calendar.is_working_day(date(2026, 1, 2))
    assert calendar.is_working_day(date(2026, 3, 17))
    assert calendar.is_working_day(date(2025, 12, 1))  # St Andrew's Day observed


# -- closure days and pauses --------------------------------------------------------------


def test_partnership_closure_days_are_skipped():
    # Wed 23 Dec 2026, closed Thu 24 Dec: Tue 29=1, Wed 30=2 (instead of 24=1, 29=2).
    calendar = get_calendar(EW, [date(2026, 12, 24)])
    assert calendar.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 30)
    assert not calendar.is_working_day(date(2026, 12, 24))
    assert (date(2026, 12, 24), CLOSURE_DAY) in calendar.holidays(2026)


def test_closure_days_affect_only_the_partnership_that_has_them():
    assert due(EW, date(2026, 12, 23), 2) == date(2026, 12, 29)


def test_closure_days_may_be_given_as_iso_strings_from_a_pack():
    calendar = WorkingCalendar(EW, ["2026-12-24"])
    assert calendar.closure_days == (date(2026, 12, 24),)


def test_paused_working_days_do_not_count():
    # Mon 2 Nov 2026, paused Wed 4 and Thu 5: 3=1, 6=2, 9=3, 10=4, Wed 11=5.
    paused = [date(2026, 11, 4), date(2026, 11, 5)]
    assert due(EW, date(2026, 11, 2), 5, paused=paused) == date(2026, 11, 11)


def test_a_pause_over_a_weekend_or_after_the_due_date_changes_nothing():
    assert due(EW, date(2026, 11, 2), 5, paused=[date(2026, 11, 7)]) == date(2026, 11, 9)
    assert due(EW, date(2026, 11, 2), 5, paused=[date(2026, 11, 10)]) == date(2026, 11, 9)


def test_a_pause_that_pushes_the_due_date_onto_further_paused_days_skips_them_too():
    # Mon 2 Nov 2026 + 1, paused Tue 3 and Wed 4: Thu 5=1.
    paused = [date(2026, 11, 4), date(2026, 11, 3)]
    assert due(EW, date(2026, 11, 2), 1, paused=paused) == date(2026, 11, 5)


def test_a_pause_takes_out_the_working_days_from_pausing_up_to_resuming():
    calendar = get_calendar(EW)
    # Paused Wed 4 Nov, resumed Fri 6 Nov 2026: Wed 4 and Thu 5 are lost; Fri counts.
    assert calendar.paused_dates(date(2026, 11, 4), date(2026, 11, 6)) == [
        date(2026, 11, 4),
        date(2026, 11, 5),
    ]
    # Paused Fri 6, resumed Tue 10: Fri 6 and Mon 9 are lost.
    assert calendar.paused_dates(date(2026, 11, 6), date(2026, 11, 10)) == [
        date(2026, 11, 6),
        date(2026, 11, 9),
    ]
    # Paused on Christmas Eve 2026, resumed Wed 30 Dec: Thu 24 and Tue 29 are lost.
    assert calendar.paused_dates(date(2026, 12, 24), date(2026, 12, 30)) == [
        date(2026, 12, 24),
        date(2026, 12, 29),
    ]
    assert calendar.paused_dates(date(2026, 11, 6), date(2026, 11, 6)) == []


def test_working_days_between_counts_after_the_start_up_to_and_including_the_end():
    calendar = get_calendar(EW)
    assert calendar.working_days_between(date(2026, 11, 2), date(2026, 11, 9)) == 5
    # Tue 23 Dec 2025 to Fri 2 Jan 2026: 24, 29, 30, 31, 2.
    assert calendar.working_days_between(date(2025, 12, 23), date(2026, 1, 2)) == 5
    assert calendar.working_days_between(date(2026, 11, 9), date(2026, 11, 2)) == 0
    assert calendar.working_days_between(date(2026, 11, 9), date(2026, 11, 9)) == 0


# -- time zone ----------------------------------------------------------------------------


def test_the_end_of_the_day_the_clocks_go_forward_is_in_british_summer_time():
    assert end_of_day(date(2026, 3, 28)).utcoffset() == timedelta(0)
    end = end_of_day(date(2026, 3, 29))
    assert end.utcoffset() == timedelta(hours=1)
    assert end.astimezone(UTC) == datetime(2026, 3, 29, 22, 59, 59, 999999, tzinfo=UTC)


def test_the_end_of_the_day_the_clocks_go_back_is_in_greenwich_mean_time():
    assert end_of_day(date(2026, 10, 24)).utcoffset() == timedelta(hours=1)
    end = end_of_day(date(2026, 10, 25))
    assert end.utcoffset() == timedelta(0)
    assert end.astimezone(UTC) == datetime(2026, 10, 25, 23, 59, 59, 999999, tzinfo=UTC)


def test_a_late_evening_in_summer_is_already_tomorrow_in_utc_but_today_in_london():
    assert local_date(datetime(2026, 6, 1, 23, 30, tzinfo=UTC)) == date(2026, 6, 2)
    assert local_date(datetime(2026, 1, 1, 23, 30, tzinfo=UTC)) == date(2026, 1, 1)


def test_a_naive_datetime_has_no_london_date():
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 6, 1, 23, 30))


def test_today_is_the_date_in_london():
    with time_machine.travel(datetime(2026, 6, 1, 23, 30, tzinfo=UTC), tick=False):
        assert today() == date(2026, 6, 2)
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        assert today() == date(2026, 12, 31)


# -- the product's window of dates ----------------------------------------------------------


@pytest.mark.parametrize(
    "compute",
    [
        lambda c: c.add_working_days(date(9999, 12, 31), 5),
        lambda c: c.add_working_days(date(1, 1, 1), 5),
        lambda c: c.add_working_days(date(2026, 1, 5), 100_000_000),
        lambda c: c.is_working_day(date(9999, 12, 27)),
        lambda c: c.working_days_between(date(2026, 1, 5), date(9999, 12, 31)),
        lambda c: c.paused_dates(date(2026, 1, 5), date(9999, 12, 31)),
        lambda c: c.holidays(9999),
        lambda c: c.add_working_days_many(
            np.array(["9999-12-31"], dtype="datetime64[D]"), np.array([5])
        ),
        lambda c: c.add_working_days_many(
            np.array(["2026-01-05"], dtype="datetime64[D]"), np.array([100_000_000])
        ),
    ],
)
def test_a_date_outside_the_window_fails_that_one_computation_and_every_later_one_still_works(
    compute,
):
    calendar = WorkingCalendar(EW)
    before = calendar.add_working_days(date(2026, 1, 5), 5)
    loaded = calendar._span
    with pytest.raises(DateOutOfRange, match="between 1900-01-01 and 2200-12-31"):
        compute(calendar)
    assert calendar._span is loaded  # the cache neither widened nor dropped
    assert calendar.add_working_days(date(2026, 1, 5), 5) == before == date(2026, 1, 12)
    assert calendar.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_the_shared_calendar_survives_a_due_date_asked_for_in_9999():
    calendar = get_calendar(EW)
    with pytest.raises(DateOutOfRange):
        calendar.add_working_days(date(9999, 12, 31), 0)
    # Tue 14 Jan 2025 + 5: 15=1, 16, 17, 20, Tue 21 Jan=5.
    assert calendar.add_working_days(date(2025, 1, 14), 5) == date(2025, 1, 21)


def test_the_window_reaches_from_1900_to_2200_at_both_ends():
    calendar = WorkingCalendar(EW)
    assert (EARLIEST, LATEST) == (date(1900, 1, 1), date(2200, 12, 31))
    # Mon 1 Jan 1900 was a working day: New Year's Day became a bank holiday in 1974.
    assert calendar.add_working_days(EARLIEST, 0) == date(1900, 1, 1)
    assert calendar.add_working_days(date(2200, 12, 1), 5) == date(2200, 12, 8)
    with pytest.raises(DateOutOfRange, match="1 working days from 2200-12-31 is out of range"):
        calendar.add_working_days(LATEST, 1)
    with pytest.raises(DateOutOfRange, match="the due date 2201-01-"):
        calendar.add_working_days(date(2200, 12, 1), 25)


# -- vectorised ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CALENDARS))
def test_due_dates_in_bulk_equal_due_dates_one_at_a_time(name):
    rng = np.random.default_rng(20261107)
    starts = np.datetime64("2024-01-01") + rng.integers(0, 7 * 366, 300).astype("timedelta64[D]")
    ns = rng.integers(0, 31, 300)
    ns[:30] = 0  # "immediately" has its own rule; make sure it is well represented
    weekends = np.arange(30) // 2 * 7 + np.arange(30) % 2  # Saturdays and Sundays
    starts[30:60] = np.datetime64("2026-11-07") + weekends.astype("timedelta64[D]")
    closures = [date(2026, 12, 24), date(2027, 5, 10)]
    for calendar in (WorkingCalendar(name), WorkingCalendar(name, closures)):
        bulk = calendar.add_working_days_many(starts, ns)
        assert bulk.dtype == np.dtype("datetime64[D]")
        one_at_a_time = [
            calendar.add_working_days(s.astype(object), int(n))
            for s, n in zip(starts, ns, strict=True)
        ]
        assert bulk.astype(object).tolist() == one_at_a_time


def test_due_dates_in_bulk_reach_beyond_the_years_already_loaded():
    calendar = WorkingCalendar(EW)
    calendar.add_working_days(date(2026, 1, 5), 1)  # loads a couple of years only
    far = calendar.add_working_days_many(
        np.array(["2026-01-05", "2026-12-24"], dtype="datetime64[D]"), np.array([1000, 1000])
    )
    assert far.astype(object).tolist() == [
        calendar.add_working_days(date(2026, 1, 5), 1000),
        calendar.add_working_days(date(2026, 12, 24), 1000),
    ]
    assert all(calendar.is_working_day(d) for d in far.astype(object))


def test_no_due_dates_in_bulk_gives_an_empty_array():
    result = get_calendar(EW).add_working_days_many(
        np.array([], dtype="datetime64[D]"), np.array([], dtype=int)
    )
    assert result.shape == (0,)


# -- properties ---------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None)
calendars = st.sampled_from(list(CALENDARS))
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))
counts = st.integers(min_value=0, max_value=40)


@st.composite
def events_with_closures(draw):
    """An event day and closure days close enough to it to fall inside its window."""
    d = draw(days)
    offsets = draw(st.frozensets(st.integers(min_value=-3, max_value=60), max_size=8))
    return d, frozenset(d + timedelta(days=k) for k in offsets)


def off_days(name, years, closures=()):
    country, subdiv = SOURCES[name]
    return set(holidays.country_holidays(country, subdiv=subdiv, years=years)) | set(closures)


@PROPERTY
@given(calendars, events_with_closures(), counts)
def test_a_due_date_is_never_a_weekend_public_holiday_or_closure_day(name, event, n):
    d, closures = event
    result = get_calendar(name, closures).add_working_days(d, n)
    assert result.weekday() < 5
    assert result not in off_days(name, range(result.year, result.year + 1), closures)


@PROPERTY
@given(calendars, events_with_closures(), counts)
def test_due_dates_agree_with_counting_day_by_day_on_the_published_holidays(name, event, n):
    d, closures = event
    off = off_days(name, range(d.year, d.year + 2), closures)

    def working(day):
        return day.weekday() < 5 and day not in off

    day = d
    if n == 0:
        while not working(day):
            day += timedelta(days=1)
    else:
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            counted += working(day)
    assert get_calendar(name, closures).add_working_days(d, n) == day


@PROPERTY
@given(calendars, days, counts, counts)
def test_more_working_days_are_never_due_earlier(name, d, n, extra):
    calendar = get_calendar(name)
    assert calendar.add_working_days(d, n) <= calendar.add_working_days(d, n + extra)


@PROPERTY
@given(calendars, days, st.integers(min_value=0, max_value=30), counts)
def test_a_later_event_is_never_due_earlier(name, d, later, n):
    calendar = get_calendar(name)
    assert calendar.add_working_days(d, n) <= calendar.add_working_days(
        d + timedelta(days=later), n
    )


@PROPERTY
@given(calendars, days, st.integers(min_value=1, max_value=40), st.data())
def test_each_paused_working_day_inside_the_window_moves_the_due_date_one_working_day(
    name, d, n, data
):
    calendar = get_calendar(name)
    original = calendar.add_working_days(d, n)
    window = calendar.paused_dates(d + timedelta(days=1), original + timedelta(days=1))
    assert len(window) == n
    paused = data.draw(st.lists(st.sampled_from(window), unique=True, max_size=n))
    # Weekends and holidays in a pause are not working days, so they move nothing.
    paused_with_non_working = paused + [
        d + timedelta(days=i) for i in range(14) if not calendar.is_working_day(d + timedelta(i))
    ]
    moved = calendar.add_working_days(d, n, paused=paused_with_non_working)
    assert calendar.working_days_between(original, moved) == len(paused)
    assert calendar.is_working_day(moved)
    assert moved not in paused


@PROPERTY
@given(calendars, days, counts, st.integers(min_value=1, max_value=10), st.data())
def test_a_pause_from_pausing_to_resuming_delays_the_due_date_by_the_days_it_took_out(
    name, d, n, length, data
):
    calendar = get_calendar(name)
    d = calendar.next_working_day(d)
    original = calendar.add_working_days(d, max(n, 1))
    offset = data.draw(st.integers(min_value=1, max_value=max(n, 1)))
    paused_on = calendar.add_working_days(d, offset)  # a working day inside the window
    resumed_on = paused_on + timedelta(days=length)
    taken_out = calendar.paused_dates(paused_on, resumed_on)
    moved = calendar.add_working_days(d, max(n, 1), paused=taken_out)
    assert calendar.working_days_between(original, moved) == len(taken_out)


@PROPERTY
@given(calendars, events_with_closures(), counts)
def test_the_working_days_between_an_event_on_a_working_day_and_its_due_date_are_n(name, event, n):
    d, closures = event
    calendar = get_calendar(name, closures)
    d = calendar.next_working_day(d)
    assert calendar.working_days_between(d, calendar.add_working_days(d, n)) == n
