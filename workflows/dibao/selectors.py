"""Reads of the 低保 process."""

from django.urls import NoReverseMatch

from roles.selectors import cases_visible_to

from .models import Application


def applications_visible_to(user):
    return cases_visible_to(user, Application).select_related(
        "region", "region__parent", "applicant", "household"
    )


def open_case_of_household(household):
    """The unfinished application of ``household``, if any."""
    return Application.objects.filter(household=household).open().first()


def case_link_for(user, case):
    """URL of ``case`` if ``user`` may see it, else None."""
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        return None
    try:
        return case.get_absolute_url()
    except NoReverseMatch:
        return None


def investigation_file(application):
    """What the investigation found and the calculation made of it, for the
    case page and, linked (not copied), for an escalation of the case."""
    from .explain import describe

    assessment = application.current_assessment
    return {
        "home_visits": application.home_visits.select_related(
            "investigator_1", "investigator_2"
        ),
        "neighbour_visits": application.neighbour_visits.all(),
        "crosscheck_reports": application.crosscheck_reports.all(),
        "assessment": assessment,
        "explanation": [describe(line) for line in assessment.result["lines"]]
        if assessment
        else [],
    }
