"""Days and moments: what "on a day" means for the record's recorded times."""

import datetime

from django.utils import timezone


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of `day` in the site's time zone: "as the record described it on
    `day`" means at the end of that day."""
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start, timezone.get_default_timezone()) - datetime.timedelta(
        microseconds=1
    )
