"""The one age rule every P9 route uses."""

import datetime

from verification.ages import age_on, old_enough_for_p9

D = datetime.date


def test_age_counts_whole_years_and_a_leap_day_birthday_from_1_march():
    assert age_on(D(2015, 6, 10), D(2026, 6, 9)) == 10
    assert age_on(D(2015, 6, 10), D(2026, 6, 10)) == 11
    assert age_on(D(2012, 2, 29), D(2023, 2, 28)) == 10
    assert age_on(D(2012, 2, 29), D(2023, 3, 1)) == 11


def test_p9_needs_the_minimum_age_from_settings(settings):
    settings.P9_MINIMUM_AGE = 11
    assert not old_enough_for_p9(D(2015, 6, 10), D(2026, 6, 9))
    assert old_enough_for_p9(D(2015, 6, 10), D(2026, 6, 10))
    settings.P9_MINIMUM_AGE = 16
    assert not old_enough_for_p9(D(2015, 6, 10), D(2026, 6, 10))
