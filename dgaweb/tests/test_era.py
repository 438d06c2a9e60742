import datetime

from django.utils import translation

from dgaweb.templatetags.era import era_date, era_year


def test_era_year_is_buddhist_in_thai_and_common_in_english():
    with translation.override("th"):
        assert era_year(2025) == "2568"
    with translation.override("en"):
        assert era_year(2025) == "2025"


def test_era_date_spells_the_month_and_the_year_of_the_readers_calendar():
    day = datetime.date(2026, 11, 21)
    with translation.override("th"):
        assert era_date(day) == "21 พฤศจิกายน 2569"
    with translation.override("en"):
        assert era_date(day) == "21 November 2026"


def test_era_date_shows_local_bangkok_time_of_an_aware_datetime():
    moment = datetime.datetime(
        2026, 5, 31, 17, 30, tzinfo=datetime.UTC
    )  # 00:30 on 1 June in Bangkok
    with translation.override("en"):
        assert era_date(moment, True) == "1 June 2026 00:30"
