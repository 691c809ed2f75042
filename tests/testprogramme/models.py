from django.db import models

from workflows.base.history import audited
from workflows.core.models import Case


class Visit(Case):
    """A follow-up visit of a household: the case of the test programme."""

    KIND = "visit"
    KIND_LABEL = "回访"
    NUMBER_PREFIX = "HF"
    ORIGIN_KINDS = ("hotline",)
    HOME_ORDER = 5
    AUDIT_RECORDS = (("testprogramme.VisitNote", "visit_id"),)
    TIME_LIMITS = {"visit_report": "回访报告"}

    person = models.CharField("回访对象", max_length=64)

    history = audited()

    class Meta:
        verbose_name = "回访"
        default_permissions = ("add", "change", "delete", "view", "manage")
        permissions = [("start_visit", "登记回访"), ("check_visit", "回访核实")]

    @property
    def subject(self):
        return self.person


class VisitNote(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField("回访情况", max_length=200)

    history = audited()

    class Meta:
        verbose_name = "回访记录"

    def __str__(self):
        return self.text
