"""Tamper evidence and retention of the audit records; auditors change nothing."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tests.roles.test_url_matrix import (
    build_url,
    cases_at_every_step,
    flow_cases,
    id_patterns,
    locked_out,
)
from workflows.audit.chain import (
    GENESIS,
    RetentionRefused,
    _rows,
    audited_tables,
    digest,
    purge,
    seal,
    verify,
)
from workflows.audit.models import AuditSeal

from ..dibao.desk import Desk, accept, submit

pytestmark = pytest.mark.django_db


def test_the_chain_holds_and_a_row_altered_in_the_database_breaks_it(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    assert seal() > 0
    assert verify() is None
    call_command("verify_audit")  # prints "intact", exits 0
    row = case.history.order_by("history_date").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflows_historicalapplication SET reason = %s "
            "WHERE history_id = %s",
            ["篡改", row.history_id],
        )
    broken = verify()
    assert broken is not None
    assert (broken.table, broken.row_id, broken.problem) == (
        "workflows_historicalapplication",
        row.history_id,
        "row changed",
    )
    with pytest.raises(CommandError, match=f"row {row.history_id}"):
        call_command("verify_audit")


def test_a_deleted_row_or_an_altered_link_breaks_the_chain(cast):
    case = submit(Desk(cast.caseworker), cast)
    seal()
    link = AuditSeal.objects.order_by("seq")[5]
    AuditSeal.objects.filter(pk=link.pk).update(chain_hash="0" * 64)
    assert verify().problem == "chain altered"
    AuditSeal.objects.filter(pk=link.pk).update(chain_hash=link.chain_hash)
    assert verify() is None
    history_id = case.history.first().history_id
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM workflows_historicalapplication WHERE history_id = %s",
            [history_id],
        )
    assert verify().problem == "row deleted"


def test_sealing_twice_adds_nothing(cast):
    submit(Desk(cast.caseworker), cast)
    seal()
    assert seal() == 0


def test_retention_refuses_anything_younger_than_180_days(cast):
    submit(Desk(cast.caseworker), cast)
    today = timezone.localdate()
    with pytest.raises(RetentionRefused):
        purge(before=today - datetime.timedelta(days=179), reason="清理", today=today)
    with pytest.raises(CommandError, match="refused"):
        call_command(
            "purge_audit",
            before=(today - datetime.timedelta(days=10)).isoformat(),
            reason="清理",
        )
    assert AuditSeal.objects.count() == 0 or verify() is None


def test_retention_removes_old_records_and_the_chain_still_verifies(cast):
    case = submit(Desk(cast.caseworker), cast)
    old = timezone.now() - datetime.timedelta(days=400)
    with connection.cursor() as cursor:  # everything so far as if written long ago
        for table, _pk in audited_tables():
            if table == "workflows_sensitiveaccess":
                cursor.execute(f'UPDATE "{table}" SET "at" = %s', [old])
            elif "history_date" in {
                c.name
                for c in connection.introspection.get_table_description(cursor, table)
            }:  # a many-to-many history table is dated by its parent row
                cursor.execute(f'UPDATE "{table}" SET "history_date" = %s', [old])
    assert seal() > 0
    old_links = AuditSeal.objects.count()
    accept(cast, case)  # new records after the old ones
    seal()
    before = timezone.localdate() - datetime.timedelta(days=300)
    removed = purge(before=before, reason="超过保存期限")
    assert removed == old_links  # the whole old prefix, nothing younger
    assert AuditSeal.objects.count() > 0
    assert verify() is None
    assert case.history.filter(
        history_date__gte=old + datetime.timedelta(days=1)
    ).exists()
    assert not case.history.filter(
        history_date__lt=old + datetime.timedelta(days=1)
    ).exists()


def test_an_auditor_can_change_nothing(cast, staff):
    cases = cases_at_every_step(cast)
    more = flow_cases(cast, staff)
    auditor = staff("auditor", "370402")
    desk = Desk(auditor)

    # refused attempts are themselves recorded (access events): every
    # other table stays as it was
    access_tables = ("workflows_sensitiveaccess", "workflows_historicalsensitiveaccess")

    def rows():
        seal()
        return AuditSeal.objects.exclude(table__in=access_tables).count()

    before = rows()
    from django.contrib.auth.models import Permission

    from roles.models import CaseGrant

    grant = CaseGrant(
        user=cast.coordinator,
        permission=Permission.objects.get(codename="view_application"),
        content_object=cases[0],
        reason="x",
        granted_by=cast.district_supervisor,
    )
    grant.save()
    lockout = locked_out(cast.caseworker)
    before = rows()
    refused = []
    for route, _ns, _pattern in id_patterns():
        url = build_url(route, cases, cast, grant, more, lockout)
        response = desk.post(url, {"reason": "x", "complete": "yes"})
        # a task's index page only redirects to its read-only detail page
        to_detail = response.status_code == 302 and response["Location"].endswith(
            "/detail/"
        )
        if response.status_code not in (403, 404, 405) and not to_detail:
            refused.append((route, response.status_code, response.get("Location")))
    for url in (
        "/work/reassign/",
        "/work/unassign/",
        "/work/absences/",
        "/work/grants/",
        "/work/lockouts/",
        "/dibao/apply/",
        "/admin/workflows/assistancestandard/1/change/",
    ):
        status = desk.post(url, {"reason": "x"}).status_code
        if status not in (302, 403, 404, 405) or (
            status == 302 and "/admin/login" not in desk.post(url).get("Location", "")
        ):
            refused.append((url, status))
    assert refused == []
    assert rows() == before  # not one record written
    from workflows.core.models import SensitiveAccess

    events = SensitiveAccess.objects.filter(user=auditor)
    assert events.exists()
    assert set(events.values_list("action", flat=True)) == {"refused"}


def test_a_recorded_head_catches_a_rewritten_chain(cast, capsys):
    submit(Desk(cast.caseworker), cast)
    call_command("verify_audit")
    head = capsys.readouterr().out.split("head: ")[1].strip()
    call_command("verify_audit", expect=[head])  # still the same chain
    seq = int(head.split(":")[0])
    # someone with database access alters a row and rebuilds the whole chain:
    # it verifies on its own, but no longer ends in the recorded head
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflows_historicalapplication SET reason = %s", ["篡改"]
        )
    _rebuild_chain()
    assert verify() is None
    with pytest.raises(CommandError, match="rewritten"):
        call_command("verify_audit", expect=[head])
    AuditSeal.objects.filter(seq__gte=seq).delete()  # or cuts it short
    with pytest.raises(CommandError, match="does not exist"):
        call_command("verify_audit", "--no-seal", expect=[head])
    with pytest.raises(CommandError, match="N:HASH"):
        call_command("verify_audit", expect=["latest"])


def _rebuild_chain():
    """What an intruder with database access would do: recompute every link."""
    pks = dict(audited_tables())
    head = GENESIS
    for link in AuditSeal.objects.order_by("seq"):
        rows = dict(_rows(link.table, pks[link.table], ids=[link.row_id]))
        link.row_hash = digest(rows[link.row_id])
        head = link.chain_hash = digest(head + link.row_hash)
        link.save()
