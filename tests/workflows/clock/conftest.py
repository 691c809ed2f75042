"""Cases with a clock for the calendar's tests, and 2027 as the package
leaves it."""

import pytest

from tests.workflows.dibao.desk import (
    Desk,
    cast,  # noqa: F401  (fixture)
    open_task,
    submit,
)
from workflows.clock.models import CalendarDay, CalendarYear


@pytest.fixture
def no_2027(db):
    """2027 as chinesecalendar 1.11 leaves it: unknown, nothing entered (also
    once a newer package knows it)."""
    CalendarYear.objects.filter(year__gte=2027).delete()
    CalendarDay.objects.filter(date__year__gte=2027).delete()


@pytest.fixture
def city_admin(staff):
    return staff("city_administrator", "370400")


@pytest.fixture
def accepted(cast):  # noqa: F811  (the fixture above)
    """``accepted(day)``: a 龚庄村 application accepted on ``day`` (the
    acceptance service's own parameter: the clock starts from it)."""
    from workflows.core.services import run_task
    from workflows.dibao import services
    from workflows.dibao.flows import DibaoFlow
    from workflows.dibao.models import Application

    def accept_on(day):
        case = submit(Desk(cast.caseworker), cast)
        run_task(
            task=open_task(case, DibaoFlow.accept),
            user=cast.caseworker,
            step=lambda a: services.application_accept(
                application=a.process, user=cast.caseworker, on=day
            ),
        )
        return Application.objects.get(pk=case.pk)

    return accept_on
