"""Bulk writes keep history too: helpers, migrations, the backfill net."""

import ast
import datetime
import pathlib

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection

from workflows.audit.context import acting
from workflows.audit.history import bulk_create, bulk_update
from workflows.clock.models import CalendarDay
from workflows.dibao.models import Notice

from ..dibao.desk import (
    Desk,
    accept,
    calculate,
    investigate,
    propose,
    submit,
    through_notice,
)

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[3]


def test_bulk_helpers_write_history_attributed_to_the_job(cast):
    days = [
        CalendarDay(date=datetime.date(2031, 1, d), is_workday=False, name="测试")
        for d in (6, 7)  # Mondays and Tuesdays made rest days
    ]
    with acting(job="import:calendar", user=cast.district_supervisor):
        bulk_create(CalendarDay, days, reason="批量导入")
        saved = list(CalendarDay.objects.filter(name="测试"))
        for day in saved:
            day.name = "测试调整"
        bulk_update(CalendarDay, saved, ["name"], reason="批量更正")
    rows = CalendarDay.history.filter(date__year=2031).order_by("history_id")
    assert [(r.history_type, r.name) for r in rows] == [
        ("+", "测试"),
        ("+", "测试"),
        ("~", "测试调整"),
        ("~", "测试调整"),
    ]
    assert {(r.history_job, r.history_user_id) for r in rows} == {
        ("import:calendar", cast.district_supervisor.pk)
    }
    assert {r.history_change_reason for r in rows} == {"批量导入", "批量更正"}


def test_rows_made_by_migrations_have_history():
    # created by a data migration and by Django's post-migrate step
    permission = Permission.objects.get(codename="audit_application")
    first = permission.history.earliest("history_date")
    assert first.history_type == "+" and first.history_job == "migrate"
    assert (
        Permission.history.values("id").distinct().count() == Permission.objects.count()
    )


def test_a_row_written_by_sql_is_caught_by_the_backfill(capsys):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workflows_calendarday (date, is_workday, name, source)"
            " VALUES (%s, %s, %s, %s)",
            ["2032-02-02", False, "运维补录", "admin"],
        )
    day = CalendarDay.objects.get(date=datetime.date(2032, 2, 2))
    assert not day.history.exists()
    call_command("backfill_history", reason="运维直接写库后补记")
    row = day.history.get()
    assert (row.history_type, row.history_job, row.history_change_reason) == (
        "+",
        "backfill_history",
        "运维直接写库后补记",
    )
    assert "1 history rows written" in capsys.readouterr().out
    call_command("backfill_history", reason="再次运行")
    assert "0 history rows written" in capsys.readouterr().out


def test_the_notice_timer_ends_notices_with_history(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    through_notice(case)
    notice = Notice.objects.get(application=case)
    assert notice.ended
    last = notice.history.latest("history_date")
    assert last.history_type == "~" and last.ended


def test_no_unaudited_bulk_writes_in_the_code():
    """``QuerySet.update``, ``bulk_create`` and ``bulk_update`` write no
    history: app code must use ``workflows.audit.history`` or save()."""
    allowed = {"workflows/audit/chain.py"}  # the chain's own (exempt) table
    found = []
    for package in ("roles", "workflows"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in allowed:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if _bulk_write(node):
                    found.append(f"{relative}:{node.lineno}")
    assert found == []


def _bulk_write(node):
    """``….filter(…).update(field=…)`` / ``X.objects.update(…)`` /
    ``obj.related.update(…)``, or ``…bulk_create(…)`` / ``…bulk_update(…)``.
    A local dict (``context.update(a=…)``) is a bare name: not a query."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    name = node.func.attr
    if name == "update":
        receiver = node.func.value
        return bool(node.keywords) and not isinstance(receiver, ast.Name)
    return name in {"bulk_create", "bulk_update"}
