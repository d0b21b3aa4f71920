# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import datetime as dt
import unittest

from crm8.crm8_l10n_cn.lunar import (
    anniversary, gregorian_anniversary, to_gregorian, to_lunar)


class LunarTestCase(unittest.TestCase):
    "Lunar calendar dates against known days"

    def test_spring_festival(self):
        "Spring Festival 2026 is 17 February: lunar 1/1"
        self.assertEqual(to_lunar(dt.date(2026, 2, 17)), (2026, 1, 1, False))
        self.assertEqual(to_gregorian(2026, 1, 1), dt.date(2026, 2, 17))
        self.assertEqual(to_gregorian(2025, 1, 1), dt.date(2025, 1, 29))

    def test_leap_month(self):
        "2025 has a leap sixth month (闰六月) from 25 July"
        self.assertEqual(to_lunar(dt.date(2025, 7, 25)), (2025, 6, 1, True))
        self.assertEqual(to_gregorian(2025, 6, 1, True), dt.date(2025, 7, 25))
        self.assertEqual(to_gregorian(2025, 6, 1), dt.date(2025, 6, 25))
        # 2026 has no leap sixth month: the ordinary one is kept
        self.assertEqual(
            to_gregorian(2026, 6, 1, True), to_gregorian(2026, 6, 1))

    def test_missing_day_30(self):
        "Born on 除夕 lunar 12/30; the twelfth month of 2025 has 29 days"
        born = dt.date(2024, 2, 9)
        self.assertEqual(to_lunar(born), (2023, 12, 30, False))
        self.assertEqual(to_gregorian(2025, 12, 30), dt.date(2026, 2, 16))
        self.assertEqual(anniversary(born, 2026), dt.date(2026, 2, 16))

    def test_anniversary(self):
        "A lunar birthday moves in the gregorian calendar"
        born = dt.date(1990, 3, 15)  # lunar 1990/2/19
        self.assertEqual(to_lunar(born), (1990, 2, 19, False))
        self.assertEqual(anniversary(born, 2026), to_gregorian(2026, 2, 19))
        self.assertEqual(anniversary(born, 2026), dt.date(2026, 4, 6))
        # late in the lunar year: found in the previous lunar year
        winter = dt.date(1985, 1, 20)  # lunar 1984/11/30
        self.assertEqual(to_lunar(winter)[1:3], (11, 30))
        self.assertEqual(anniversary(winter, 2026).year, 2026)

    def test_gregorian_anniversary(self):
        "29 February is kept on 28 February in other years"
        self.assertEqual(gregorian_anniversary(dt.date(2000, 2, 29), 2026),
            dt.date(2026, 2, 28))
        self.assertEqual(gregorian_anniversary(dt.date(2000, 5, 4), 2026),
            dt.date(2026, 5, 4))
