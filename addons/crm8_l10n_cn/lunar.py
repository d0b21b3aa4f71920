# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Chinese lunar calendar (农历) dates, for birthdays kept the old way.

A thin layer over the pure-Python ``lunardate`` library (years 1900–2099).
"""
import datetime as dt

from lunardate import LunarDate


def to_lunar(date):
    "Return (year, month, day, leap) of the lunar date of a gregorian date"
    lunar = LunarDate.from_solar_date(date.year, date.month, date.day)
    return lunar.year, lunar.month, lunar.day, bool(lunar.is_leap_month)


def to_gregorian(year, month, day, leap=False):
    """Return the gregorian date of the lunar year, month and day.

    A leap month the year does not have falls back to the ordinary month of
    the same number, and day 30 of a month of 29 days to day 29: that is
    how a birthday in such a month is kept in the other years.
    """
    if leap and LunarDate.leap_month_for_year(year) != month:
        leap = False
    try:
        return LunarDate(year, month, day, leap).to_solar_date()
    except ValueError:
        if day != 30:
            raise
        return LunarDate(year, month, 29, leap).to_solar_date()


def anniversary(date, year):
    """Return the gregorian date in the gregorian year of the lunar
    anniversary of date (e.g. a lunar birthday), or None when the lunar
    month and day do not fall in that year (it happens around New Year)."""
    _, month, day, leap = to_lunar(date)
    # the lunar year starts in January or February: late lunar months
    # of the previous lunar year fall in the gregorian year too
    for lunar_year in [year - 1, year]:
        try:
            found = to_gregorian(lunar_year, month, day, leap)
        except ValueError:
            continue
        if found.year == year:
            return found
    return None


def gregorian_anniversary(date, year):
    "Return the date's anniversary in year; 29 February gives 28 February"
    try:
        return date.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)
