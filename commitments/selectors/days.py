"""Days and moments: what "on a day" means for the record's recorded times."""

import datetime

from django.utils import timezone


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of `day` in the site's time zone: "as the record described it on
    `day`" means at the end of that day."""
    # datetime.time.max, not the next day's midnight less a microsecond: the last day a date
    # can name (9999-12-31) has no next day.
    last = datetime.datetime.combine(day, datetime.time.max)
    return timezone.make_aware(last, timezone.get_default_timezone())
