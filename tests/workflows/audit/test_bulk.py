"""Bulk writes keep history too: helpers, migrations, the backfill net."""

import ast
import datetime
import pathlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import pre_migrate

from workflows.audit.chain import check_chain
from workflows.audit.live import CHANGED, DELETED, NO_HISTORY, check_all, check_model
from workflows.base.context import acting
from workflows.base.history import bulk_create, bulk_update
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
    # each row written in bulk is hashed at once, and equals its live row
    assert check_chain() == []
    assert list(check_model(CalendarDay)) == []


def test_history_copied_in_the_database_is_the_history_bulk_create_writes(cast):
    """``bulk_create`` copies the '+' rows from the live rows in SQL: the
    same columns, who, job and reason as the rows it builds one by one (for
    objects carrying a reason of their own), each hashed at once."""

    def days(name, month):
        return [
            CalendarDay(
                date=datetime.date(2031, month, d), is_workday=d == 3, name=name
            )
            for d in (3, 4, 5)
        ]

    with acting(job="import:calendar", user=cast.district_supervisor):
        built = days("旧法", 2)
        for day in built:
            day._change_reason = "批量导入"  # its own reason: built one by one
        bulk_create(CalendarDay, built, reason="别的")
        old = list(CalendarDay.history.filter(name="旧法").order_by("history_id"))
        written = bulk_create(CalendarDay, days("新法", 3), reason="批量导入")
    new = list(CalendarDay.history.filter(name="新法").order_by("history_id"))
    assert [r.id for r in new] == [d.pk for d in written]
    ignore = {"history_id", "id", "history_date", "name", "date"}
    names = [f.attname for f in CalendarDay.history.model._meta.concrete_fields]

    def same(row):
        return {n: getattr(row, n) for n in names if n not in ignore}

    assert [same(r) for r in new] == [same(r) for r in old]
    assert [(r.date.day, r.name) for r in new] == [
        (3, "新法"),
        (4, "新法"),
        (5, "新法"),
    ]
    assert len({r.history_date for r in new}) == 1
    assert new[0].history_user_id == cast.district_supervisor.pk
    assert check_chain() == []
    assert list(check_model(CalendarDay)) == []


def test_rows_made_by_migrations_have_history():
    # created by a data migration and by Django's post-migrate step
    permission = Permission.objects.get(codename="audit_case")
    first = permission.history.earliest("history_date")
    assert first.history_type == "+" and first.history_job == "migrate"
    assert (
        Permission.history.values("id").distinct().count() == Permission.objects.count()
    )


def test_rows_written_by_sql_are_caught_and_the_backfill_records_them(capsys):
    """An operator's direct SQL fix shows in verify_audit; backfill_history is
    the explicit, attributed acceptance of the rows as they are."""
    fixed = CalendarDay.objects.order_by("date").first()
    gone = CalendarDay.objects.order_by("date").last()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workflows_calendarday (date, is_workday, name, source)"
            " VALUES (%s, %s, %s, %s)",
            ["2032-02-02", False, "运维补录", "admin"],
        )
        cursor.execute(
            "UPDATE workflows_calendarday SET name = %s WHERE id = %s",
            ["运维更正", fixed.pk],
        )
        cursor.execute("DELETE FROM workflows_calendarday WHERE id = %s", [gone.pk])
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name,"
            " last_name, email, is_staff, is_active, date_joined)"
            " VALUES ('', %s, 'sqluser', '', '', '', %s, %s, %s)",
            [False, False, True, "2030-01-01 00:00:00"],
        )
        cursor.execute(
            "INSERT INTO auth_user_groups (user_id, group_id)"
            " SELECT id, %s FROM auth_user WHERE username = 'sqluser'",
            [Group.objects.order_by("pk").first().pk],
        )
    day = CalendarDay.objects.get(date=datetime.date(2032, 2, 2))
    found = {(m.model, m.pk, m.problem) for m in check_all()}
    user = User.objects.get(username="sqluser")
    assert found == {
        ("workflows.CalendarDay", day.pk, NO_HISTORY),
        ("workflows.CalendarDay", fixed.pk, CHANGED),
        ("workflows.CalendarDay", gone.pk, DELETED),
        ("auth.User", user.pk, NO_HISTORY),
    }
    call_command("backfill_history", reason="运维直接写库后补记")
    assert "4 history rows written" in capsys.readouterr().out
    row = day.history.get()
    assert (row.history_type, row.history_job, row.history_change_reason) == (
        "+",
        "backfill_history",
        "运维直接写库后补记",
    )
    assert fixed.history.latest("history_id").history_type == "~"
    assert (
        CalendarDay.history.filter(id=gone.pk).latest("history_id").history_type == "-"
    )
    # the user's '+' row keeps its group, as a save would
    assert user.history.get().groups.count() == 1
    assert list(check_all()) == [] and check_chain() == []
    call_command("backfill_history", reason="再次运行")
    assert "0 history rows written" in capsys.readouterr().out


def test_a_migration_gets_history_for_its_changes_but_hides_no_tampering():
    """Rows a migration changes get a '~' row (job ``migrate``); a change
    made before it, without history, is left for verify_audit to report."""
    tampered, migrated = CalendarDay.objects.order_by("date")[:2]
    CalendarDay.objects.filter(pk=tampered.pk).update(name="篡改")

    def data_migration(**kwargs):  # runs after the audit's own pre_migrate step
        CalendarDay.objects.filter(pk=migrated.pk).update(name="迁移改名")

    workflows = apps.get_app_config("workflows")
    pre_migrate.connect(
        data_migration, sender=workflows, dispatch_uid="test-data-migration"
    )
    try:
        call_command("migrate", verbosity=0)
    finally:
        pre_migrate.disconnect(sender=workflows, dispatch_uid="test-data-migration")
    row = migrated.history.latest("history_id")
    assert (row.history_type, row.history_job, row.name) == ("~", "migrate", "迁移改名")
    assert [(m.pk, m.problem) for m in check_all()] == [(tampered.pk, CHANGED)]


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
    history: app code must use ``workflows.base.history`` or save()."""
    # the audit trail's own writes: the chain's table, and history rows that
    # these modules write in bulk and record themselves
    allowed = {
        "workflows/audit/backfill.py",
        "workflows/audit/chain.py",
        "workflows/base/history.py",
        "workflows/base/bulkinsert.py",
        "workflows/audit/record.py",
        "workflows/audit/retention.py",
    }
    found = []
    for package in ("roles", "workflows"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in allowed:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if _bulk_write(node) and not _on_exempt_model(node):
                    found.append(f"{relative}:{node.lineno}")
    assert found == []


def _on_exempt_model(node):
    """``X.objects.bulk_create(…)`` where ``X`` keeps no history by declaration
    (``workflows.audit.checks.EXEMPT``, each with its reason)."""
    from workflows.audit.checks import EXEMPT

    receiver = node.func.value
    return (
        isinstance(receiver, ast.Attribute)
        and receiver.attr == "objects"
        and isinstance(receiver.value, ast.Name)
        and receiver.value.id in {label.split(".")[1] for label in EXEMPT}
    )


def _bulk_write(node):
    """``….filter(…).update(field=…)`` / ``X.objects.update(…)`` /
    ``obj.related.update(…)``, or ``…bulk_create(…)`` / ``…bulk_update(…)``,
    or ``insert_many(…)`` (the COPY writer under the history helpers).
    A local dict (``context.update(a=…)``) is a bare name: not a query."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "insert_many"
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    name = node.func.attr
    if name == "update":
        receiver = node.func.value
        return bool(node.keywords) and not isinstance(receiver, ast.Name)
    return name in {"bulk_create", "bulk_update"}
