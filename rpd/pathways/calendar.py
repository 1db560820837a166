"""Working days: the product's one definition of a working day and a due date.

Every timescale in a pathway ("within 5 working days") becomes a due date here, and
nowhere else, so that the screen, the reminders, the reports and the exports can never
disagree about when something is late. The rules are those of POLICIES.md, "Working days,
as the product computes them":

- a working day is Monday to Friday and not a public holiday of the partnership's
  calendar (England and Wales, Scotland, Northern Ireland or Jersey), nor one of the
  partnership's own closure days;
- "within N working days" of an event on day D means by the end of the Nth working day
  after D, counting from the next working day when D is not one; this is
  ``numpy.busday_offset(D, N, roll="backward")``;
- working days while a dispute is paused do not count;
- dates are dates in Europe/London.

Holiday data comes from the ``holidays`` package, always with the nation's subdivision:
the United Kingdom as a whole is not a calendar anyone works to.
"""

from __future__ import annotations

import functools
import operator
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import holidays as holidays_data
import numpy as np

__all__ = [
    "CALENDARS",
    "CLOSURE_DAY",
    "EARLIEST",
    "LATEST",
    "LONDON",
    "DateOutOfRange",
    "UnknownCalendar",
    "WorkingCalendar",
    "end_of_day",
    "get_calendar",
    "local_date",
    "today",
]

LONDON = ZoneInfo("Europe/London")

CALENDARS: dict[str, str] = {
    "england-and-wales": "England and Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
    "jersey": "Jersey",
}

# (country, subdivision) for the holidays package. Wales shares England's bank holidays,
# and the package has no separate Welsh list, so ENG stands for both.
_SOURCES: dict[str, tuple[str, str | None]] = {
    "england-and-wales": ("GB", "ENG"),
    "scotland": ("GB", "SCT"),
    "northern-ireland": ("GB", "NIR"),
    "jersey": ("JE", None),
}

CLOSURE_DAY = "Partnership closure day"

# Every date the product computes lies in this window. One request for a date in 9999
# must not make every later computation load (and then overflow on) eight thousand years
# of holidays: a date outside it is refused for that one call, before the cache is touched.
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
# Holiday data is loaded a year either side of the window: a backward roll steps into the
# year before, and a due date near the end runs into the year after (then refused).
_FIRST_YEAR = EARLIEST.year - 1
_LAST_YEAR = LATEST.year + 1

# A year has at least ~245 working days even with heavy closures; 200 keeps the
# look-ahead estimate on the safe side so that a due date is rarely computed twice.
_MIN_WORKING_DAYS_PER_YEAR = 200


class UnknownCalendar(ValueError):
    """A calendar name that is not one of CALENDARS."""

    def __init__(self, name: object) -> None:
        known = ", ".join(f'"{key}"' for key in CALENDARS)
        super().__init__(f"Unknown working-day calendar {name!r}; the known calendars are {known}.")
        self.name = name


class DateOutOfRange(ValueError):
    """A date, given or computed, outside the product's window EARLIEST..LATEST."""

    def __init__(self, message: str) -> None:
        super().__init__(
            f"{message}: dates must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}"
        )


def check_in_window(d: date, what: str = "the date") -> date:
    """d itself if it lies in the product's window, else DateOutOfRange naming it."""
    if not EARLIEST <= d <= LATEST:
        raise DateOutOfRange(f"{what} {d.isoformat()} is out of range")
    return d


def _check_reachable(d: object, n: int) -> None:
    # A start in the window, and no more working days than there are days left in it:
    # anything else is refused before a single year of holidays is loaded for it.
    if not isinstance(d, date):  # numpy's object form of a date outside Python's range
        raise DateOutOfRange(f"the date {d} is out of range")
    check_in_window(d)
    if n > (LATEST - d).days:
        raise DateOutOfRange(f"{n} working days from {d.isoformat()} is out of range")


def today() -> date:
    """Today's date in London, whatever the server's time zone."""
    return datetime.now(LONDON).date()


def local_date(dt: datetime) -> date:
    """The London date of an aware datetime."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        # A naive datetime could be UTC or London; guessing would put events near
        # midnight on the wrong day, which moves due dates.
        raise ValueError(f"local_date needs an aware datetime, got naive {dt!r}")
    return dt.astimezone(LONDON).date()


def end_of_day(d: date) -> datetime:
    """The last moment of London date d, as an aware datetime (BST or GMT as it falls)."""
    return datetime.combine(_as_date(d), time.max, tzinfo=LONDON)


def _as_date(value: object) -> date:
    # datetime is a subclass of date; letting one through would silently drop its time
    # and zone, so a datetime must go through local_date first.
    if isinstance(value, datetime):
        raise TypeError(f"expected a date, got a datetime {value!r}; use local_date() first")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise TypeError(f"expected a date, got {type(value).__name__} {value!r}")


def _weekday(ordinal: int) -> int:
    # date.fromordinal(1) is Monday 1 January 0001.
    return (ordinal - 1) % 7


@dataclass(frozen=True, slots=True)
class _Span:
    """Everything derived from the holiday data for the years first..last.

    Immutable and swapped in whole, so that a calendar shared between threads never
    shows a half-extended state.
    """

    first: int  # year
    last: int  # year
    names: dict[date, str]
    off: frozenset[int]  # ordinals of weekdays that are not working days
    working: list[int]  # ordinals of working days, ascending
    busdaycal: np.busdaycalendar

    @property
    def first_ordinal(self) -> int:
        return date(self.first, 1, 1).toordinal()

    @property
    def last_ordinal(self) -> int:
        return date(self.last, 12, 31).toordinal()


class WorkingCalendar:
    """Working days of one nation's calendar plus a partnership's closure days.

    Holiday data is loaded lazily, a span of years at a time, and kept on the instance;
    use get_calendar() to share instances rather than building one per computation.
    """

    def __init__(self, name: str, closure_days: Iterable[date | str] = ()) -> None:
        if name not in CALENDARS:
            raise UnknownCalendar(name)
        self.name = name
        self.label = CALENDARS[name]
        self.closure_days: tuple[date, ...] = tuple(sorted({_as_date(day) for day in closure_days}))
        self._span: _Span | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        closures = f", closure_days={len(self.closure_days)}" if self.closure_days else ""
        return f"WorkingCalendar({self.name!r}{closures})"

    # -- holiday data -------------------------------------------------------------------

    def _build(self, first: int, last: int) -> _Span:
        country, subdiv = _SOURCES[self.name]
        public = holidays_data.country_holidays(
            country, subdiv=subdiv, years=range(first, last + 1)
        )
        names = dict(public)
        for day in self.closure_days:
            if first <= day.year <= last:
                # A closure day on a public holiday changes nothing; keep the real name.
                names.setdefault(day, CLOSURE_DAY)
        off = frozenset(d.toordinal() for d in names if d.weekday() < 5)
        start, stop = date(first, 1, 1).toordinal(), date(last, 12, 31).toordinal()
        working = [o for o in range(start, stop + 1) if _weekday(o) < 5 and o not in off]
        busdaycal = np.busdaycalendar(
            weekmask="1111100",
            holidays=np.array(sorted(names), dtype="datetime64[D]"),
        )
        return _Span(first, last, names, off, working, busdaycal)

    def _covering(self, first: int, last: int) -> _Span:
        """A span that includes the years first..last, extending the cached one if needed."""
        span = self._span
        if span is not None and span.first <= first and last <= span.last:
            return span
        if first < _FIRST_YEAR or last > _LAST_YEAR:
            what = f"the year {first}" if first < _FIRST_YEAR else f"the year {last}"
            raise DateOutOfRange(f"{what} is out of range")
        with self._lock:
            span = self._span
            if span is not None:
                if span.first <= first and last <= span.last:
                    return span
                first, last = min(first, span.first), max(last, span.last)
            # A year either side: a backward roll can step into the year before, and
            # due dates run into the year after.
            span = self._build(max(first - 1, _FIRST_YEAR), min(last + 1, _LAST_YEAR))
            self._span = span
            return span

    def _span_for(self, d: date, n: int = 0) -> _Span:
        check_in_window(d)
        return self._covering(d.year, min(d.year + n // _MIN_WORKING_DAYS_PER_YEAR + 1, _LAST_YEAR))

    def holidays(self, year: int) -> list[tuple[date, str]]:
        """Public holidays and closure days in year, in date order (weekends included)."""
        span = self._covering(year, year)
        return sorted((d, name) for d, name in span.names.items() if d.year == year)

    # -- scalar ---------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        d = _as_date(d)
        return d.weekday() < 5 and d.toordinal() not in self._span_for(d).off

    def next_working_day(self, d: date) -> date:
        """d if it is a working day, otherwise the next one."""
        return self.add_working_days(d, 0)

    def add_working_days(self, d: date, n: int, paused: Iterable[date] = ()) -> date:
        """The due date of something required within n working days of an event on d.

        n == 0 means "immediately": d itself if it is a working day, else the next one.
        Days in paused are taken out of the count as if they were holidays.
        """
        d = _as_date(d)
        n = operator.index(n)
        if n < 0:
            raise ValueError(f"a number of working days cannot be negative, got {n}")
        _check_reachable(d, n)
        origin = d.toordinal()
        pauses = sorted({_as_date(p).toordinal() for p in paused})
        need = max(n, 1)
        horizon = n + len(pauses)
        while True:
            span = self._span_for(d, horizon)
            working = span.working
            # For n == 0 the event day itself may be the answer; otherwise the first
            # working day strictly after it is day 1.
            i = bisect_left(working, origin) if n == 0 else bisect_right(working, origin)
            j = i + need - 1
            if j < len(working):
                for p in pauses:
                    if p < working[i] or _weekday(p) >= 5 or p in span.off:
                        continue
                    if p > working[j]:
                        break
                    # Each paused working day inside the window pushes the end one
                    # working day later, which may bring later pauses into the window.
                    j += 1
                    if j >= len(working):
                        break
                if j < len(working):
                    return check_in_window(date.fromordinal(working[j]), "the due date")
            if span.last >= _LAST_YEAR:
                raise DateOutOfRange(f"{n} working days from {d.isoformat()} is out of range")
            horizon += _MIN_WORKING_DAYS_PER_YEAR

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days d satisfy start < d <= end (0 if end <= start)."""
        start, end = _as_date(start), _as_date(end)
        if end <= start:
            return 0
        span = self._covering(start.year, end.year)
        working = span.working
        return bisect_right(working, end.toordinal()) - bisect_right(working, start.toordinal())

    def paused_dates(self, start: date, end: date) -> list[date]:
        """Working days a pause takes out: from start (paused) up to end (resumed, counts)."""
        start, end = _as_date(start), _as_date(end)
        if end <= start:
            return []
        span = self._covering(start.year, end.year)
        working = span.working
        lo = bisect_left(working, start.toordinal())
        hi = bisect_left(working, end.toordinal())
        return [date.fromordinal(o) for o in working[lo:hi]]

    # -- vectorised -------------------------------------------------------------------------

    def add_working_days_many(self, starts, ns) -> np.ndarray:
        """add_working_days over arrays: starts (datetime64[D]) and ns (ints), no pauses."""
        starts = np.asarray(starts, dtype="datetime64[D]")
        ns = np.asarray(ns)
        if ns.dtype.kind not in "iu":
            raise TypeError(f"ns must be integers, got dtype {ns.dtype}")
        starts, ns = np.broadcast_arrays(starts, ns)
        if starts.size == 0:
            return np.empty(starts.shape, dtype="datetime64[D]")
        n_min, n_max = int(ns.min()), int(ns.max())
        if n_min < 0:
            raise ValueError(f"a number of working days cannot be negative, got {n_min}")
        lo, hi = starts.min(), starts.max()
        if np.isnat(lo) or np.isnat(hi):
            raise ValueError("starts contains NaT")
        _check_reachable(lo.astype(object), n_max)
        _check_reachable(hi.astype(object), n_max)
        first = lo.astype(object).year
        last = min(hi.astype(object).year + n_max // _MIN_WORKING_DAYS_PER_YEAR + 1, _LAST_YEAR)
        if n_min == 0:
            # "Immediately" is the first working day on or after d, which is the first
            # working day after d - 1: one busday_offset call then serves every n.
            zero = ns == 0
            starts = np.where(zero, starts - np.timedelta64(1, "D"), starts)
            ns = np.maximum(ns, 1)
            first -= 1
        while True:
            span = self._covering(first, last)
            result = np.busday_offset(starts, ns, roll="backward", busdaycal=span.busdaycal)
            # Past the loaded years numpy would see no holidays; only trust a result
            # that lies inside them.
            latest = result.max()
            if latest <= np.datetime64(date(span.last, 12, 31)):
                check_in_window(latest.astype(object), "the due date")
                return result
            if span.last >= _LAST_YEAR:
                raise DateOutOfRange(f"{n_max} working days from {hi} is out of range")
            last = min(span.last + 1 + n_max // _MIN_WORKING_DAYS_PER_YEAR, _LAST_YEAR)


@functools.lru_cache(maxsize=256)
def _cached(name: str, closure_days: tuple[date, ...]) -> WorkingCalendar:
    return WorkingCalendar(name, closure_days)


def get_calendar(name: str, closure_days: Iterable[date | str] = ()) -> WorkingCalendar:
    """The shared WorkingCalendar for name and closure days (order and repeats ignored)."""
    if name not in CALENDARS:
        raise UnknownCalendar(name)
    return _cached(name, tuple(sorted({_as_date(day) for day in closure_days})))
