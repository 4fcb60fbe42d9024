"""Follow-up deadlines count the region's working days: public holidays are skipped and make-up working
weekends (调休) count, as the region pack's calendar.yaml lists them; without it, Monday–Friday."""

from datetime import date, datetime, time

import pytest

from mengkeju.core import clock
from mengkeju.deals import selectors
from mengkeju.deals.models import Deal
from mengkeju.deals.working_days import WEEKDAYS, add_working_days
from mengkeju.network.models import CalendarDay

from .factories import DealFactory

pytestmark = pytest.mark.django_db


def at(day):
    return datetime.combine(day, time(10, 0), tzinfo=clock.region_timezone())


@pytest.mark.parametrize(
    ("contact", "due"),
    [
        # 2025: 10月1日至8日 国庆节、中秋节; 9月28日 (Sunday) and 10月11日 (Saturday) are working days.
        (date(2025, 9, 30), date(2025, 10, 11)),
        (date(2025, 9, 26), date(2025, 9, 30)),  # Friday + 3: the Sunday 28th counts
        # 2026: 10月1日至7日 国庆节; 10月10日 (Saturday) is a working day.
        (date(2026, 9, 30), date(2026, 10, 10)),
    ],
)
def test_a_follow_up_across_national_day_skips_the_holiday_and_counts_the_make_up_day(contact, due):
    assert add_working_days(contact, 3, selectors.region_calendar()) == due


def test_the_board_shows_a_deal_overdue_only_after_the_holiday_week(broker, set_region_parameter):
    set_region_parameter("demand_follow_up_working_days", 3)
    deal = DealFactory(broker=broker)
    Deal.objects.filter(pk=deal.pk).update(created_at=at(date(2026, 9, 30)))

    def overdue_on(today):
        due = selectors.follow_up(today)
        return deal.pk in set(selectors.overdue_deals(Deal.objects.all(), due).values_list("pk", flat=True))

    assert not overdue_on(date(2026, 10, 6))  # Mon–Fri alone would say overdue since 4 October
    assert not overdue_on(date(2026, 10, 10))  # the make-up Saturday is the third working day
    assert overdue_on(date(2026, 10, 11))


def test_without_calendar_data_monday_to_friday_holds(broker, set_region_parameter):
    CalendarDay.objects.all().delete()
    assert selectors.region_calendar() is WEEKDAYS
    set_region_parameter("demand_follow_up_working_days", 3)
    assert selectors.follow_up(date(2026, 10, 6)).contact_before == date(2026, 10, 1)
    assert add_working_days(date(2026, 9, 30), 3, selectors.region_calendar()) == date(2026, 10, 5)


def test_a_year_the_calendar_does_not_list_follows_monday_to_friday():
    calendar = selectors.region_calendar()
    assert add_working_days(date(2031, 9, 30), 3, calendar) == add_working_days(
        date(2031, 9, 30), 3, WEEKDAYS
    )
