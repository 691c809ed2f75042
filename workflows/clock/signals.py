"""News from the calendar: which years' working days changed.

The clock knows nothing of cases; the spine listens (``core/clocks.py``) and
counts the open deadlines of those years again once the change commits.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import Signal, receiver

from .models import CalendarDay

# ``years``: the set of years whose calendar was entered, corrected or
# confirmed. Sent inside the writer's transaction.
calendar_changed = Signal()


@receiver(pre_save, sender=CalendarDay, dispatch_uid="calendar-day-before")
def _remember_year(sender, instance, **kwargs):
    """A day moved to another date changes the calendar of both years."""
    instance._year_before = None
    if instance.pk is not None:
        before = (
            CalendarDay.objects.filter(pk=instance.pk)
            .values_list("date", flat=True)
            .first()
        )
        instance._year_before = before.year if before else None


@receiver(post_save, sender=CalendarDay, dispatch_uid="calendar-day-saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="calendar-day-deleted")
def _day_changed(sender, instance, **kwargs):
    """Every save or deletion of a day (the admin's, a service's) announces
    its year; bulk writes announce theirs themselves."""
    years = {instance.date.year}
    if getattr(instance, "_year_before", None):
        years.add(instance._year_before)
    calendar_changed.send(sender=CalendarDay, years=years)
