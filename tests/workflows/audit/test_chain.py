"""Tamper evidence: every way someone with database access could alter the
record, and the check that finds it (docs/audit.md, threat model)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from workflows.audit import headlog
from workflows.audit.chain import (
    CHAIN_ALTERED,
    CHECKPOINT_CONFLICT,
    LINKS_MISSING,
    ROW_CHANGED,
    ROW_DELETED,
    UNRECORDED,
    check_chain,
    head,
    seal,
)
from workflows.audit.live import CHANGED, DELETED, NO_HISTORY
from workflows.audit.models import AuditCheckpoint, AuditRowHash
from workflows.audit.rows import (
    CHECKPOINT_TABLE,
    GENESIS,
    audited_tables,
    digest,
    row_hashes,
)
from workflows.audit.verify import verify
from workflows.core.models import SensitiveAccess

from ..dibao.desk import Desk, accept, submit

pytestmark = pytest.mark.django_db

APPLICATION_HISTORY = "workflows_historicalapplication"


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def breaks():
    return [(b.problem, b.table, b.row_id) for b in check_chain()]


def first_history_id(case):
    return case.history.order_by("history_id").first().history_id


def recorded(table, row_id):
    return AuditRowHash.objects.get(table=table, row_id=row_id)


def head_text():
    seq, chain_hash = head()
    return f"{seq}:{chain_hash}"


def rewrite_chain_from(seq):
    """What an intruder with database access does after editing rows: record
    the rows' new hashes and recompute every link from ``seq`` on."""
    pks = dict(audited_tables())
    links = AuditRowHash.objects.filter(seq__gte=seq).order_by("seq")
    chain_hash = (
        AuditRowHash.objects.get(seq=seq - 1).chain_hash if seq > 1 else GENESIS
    )
    for link in links:
        now = row_hashes(link.table, pks[link.table], [link.row_id]).get(link.row_id)
        link.row_hash = now or link.row_hash
        link.chain_hash = chain_hash = digest(chain_hash + link.row_hash)
        link.save()


# -- what is recorded when ------------------------------------------------------


def test_each_audit_row_is_hashed_in_the_transaction_that_writes_it(cast):
    """Every history row written by a step has its hash at once, before any
    seal; sealing chains exactly those hashes and logs the head."""
    case = submit(Desk(cast.caseworker), cast)
    history_id = first_history_id(case)
    row = recorded(APPLICATION_HISTORY, history_id)
    assert row.seq is None
    assert (
        row.row_hash
        == row_hashes(APPLICATION_HISTORY, "history_id", [history_id])[history_id]
    )
    assert breaks() == []  # nothing unrecorded, nothing changed
    assert seal() > 0
    row.refresh_from_db()
    assert row.seq is not None and row.chain_hash
    assert [str(h) for h in headlog.read()] == [head_text()]
    assert seal() == 0  # sealing twice adds nothing, logs nothing
    assert len(headlog.read()) == 1


def test_a_clean_trail_verifies_and_prints_its_head(cast, capsys):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "audit records intact" in out
    assert f"head: {head_text()}" in out
    assert str(headlog.read()[-1]) == head_text()


# -- history rows -------------------------------------------------------------------


def test_a_sealed_history_row_edited_in_the_database_is_found(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    seal()
    history_id = first_history_id(case)
    sql(
        f"UPDATE {APPLICATION_HISTORY} SET reason = %s WHERE history_id = %s",
        ["篡改", history_id],
    )
    assert breaks() == [(ROW_CHANGED, APPLICATION_HISTORY, history_id)]
    with pytest.raises(CommandError, match=f"{APPLICATION_HISTORY} row {history_id}"):
        call_command("verify_audit")


def test_a_history_row_edited_before_the_seal_is_found(cast):
    """The seal chains the hash recorded at the write, not the row as it is
    when the sealer comes by: an edit in between is a changed row."""
    case = submit(Desk(cast.caseworker), cast)
    history_id = first_history_id(case)
    sql(
        f"UPDATE {APPLICATION_HISTORY} SET reason = %s WHERE history_id = %s",
        ["篡改", history_id],
    )
    assert breaks() == [(ROW_CHANGED, APPLICATION_HISTORY, history_id)]
    seal()
    assert breaks() == [(ROW_CHANGED, APPLICATION_HISTORY, history_id)]
    assert recorded(APPLICATION_HISTORY, history_id).seq is not None


def test_a_deleted_history_row_is_found_sealed_or_not(cast):
    case = submit(Desk(cast.caseworker), cast)
    seal()
    sealed_id = first_history_id(case)
    accept(cast, case)
    pending_id = case.history.order_by("history_id").last().history_id
    for history_id in (sealed_id, pending_id):
        sql(f"DELETE FROM {APPLICATION_HISTORY} WHERE history_id = %s", [history_id])
    found = {(b.problem, b.row_id, b.detail) for b in check_chain()}
    assert found == {
        (ROW_DELETED, sealed_id, ""),
        (ROW_DELETED, pending_id, "not sealed yet"),
    }


def test_a_history_row_inserted_around_the_recording_is_found(cast):
    """A row added by SQL has no hash recorded by the writer."""
    case = submit(Desk(cast.caseworker), cast)
    seal()
    row = case.history.order_by("history_id").first()
    row.history_id = None
    row.reason = "伪造"
    row.save()  # a plain insert: no signal, as an INSERT statement would be
    assert breaks() == [(UNRECORDED, APPLICATION_HISTORY, row.history_id)]


# -- the recorded hashes and the links ------------------------------------------------


def test_a_recorded_hash_deleted_or_altered_is_found(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    ids = list(case.history.order_by("history_id").values_list("history_id", flat=True))
    seal(log=False)
    sealed = recorded(APPLICATION_HISTORY, ids[0])
    # a sealed hash altered: its link no longer follows from the one before
    AuditRowHash.objects.filter(pk=sealed.pk).update(row_hash="f" * 64)
    assert breaks() == [
        (CHAIN_ALTERED, APPLICATION_HISTORY, ids[0]),
        (ROW_CHANGED, APPLICATION_HISTORY, ids[0]),
    ]
    AuditRowHash.objects.filter(pk=sealed.pk).update(row_hash=sealed.row_hash)
    # a sealed link deleted: a gap in the chain, and a row with no hash
    AuditRowHash.objects.filter(pk=sealed.pk).delete()
    assert {(p, t) for p, t, _ in breaks()} == {
        (LINKS_MISSING, ""),
        (UNRECORDED, APPLICATION_HISTORY),
    }
    AuditRowHash.objects.create(
        **{f.attname: getattr(sealed, f.attname) for f in AuditRowHash._meta.fields}
    )
    assert breaks() == []
    # hashes not sealed yet: deleted, or altered
    case.save()
    pending = case.history.order_by("history_id").last().history_id
    AuditRowHash.objects.filter(table=APPLICATION_HISTORY, row_id=pending).delete()
    assert breaks() == [(UNRECORDED, APPLICATION_HISTORY, pending)]
    call_command("backfill_history", reason="x")  # writes nothing: not a live problem
    case.save()
    pending = case.history.order_by("history_id").last().history_id
    AuditRowHash.objects.filter(table=APPLICATION_HISTORY, row_id=pending).update(
        row_hash="e" * 64
    )
    assert (ROW_CHANGED, APPLICATION_HISTORY, pending) in breaks()


def test_an_access_log_row_edited_is_found(cast):
    case = submit(Desk(cast.caseworker), cast)
    access = SensitiveAccess.objects.create(
        user=cast.caseworker,
        action=SensitiveAccess.Action.REVEAL_ID,
        case=case,
        record="member:1",
    )
    seal()
    sql("UPDATE workflows_sensitiveaccess SET record = %s", ["member:2"])
    assert breaks() == [(ROW_CHANGED, "workflows_sensitiveaccess", access.pk)]


# -- checkpoints ----------------------------------------------------------------------


def test_a_checkpoint_inserted_to_skip_edited_history_is_found(cast):
    """The review's finding: a checkpoint 'at the head' made the verifier
    start after every link, so edited history passed, even with --expect."""
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    seal()
    kept = head_text()
    history_id = first_history_id(case)
    sql(
        f"UPDATE {APPLICATION_HISTORY} SET reason = %s WHERE history_id = %s",
        ["篡改", history_id],
    )
    seq, chain_hash = head()
    fake = AuditCheckpoint.objects.create(
        purged_before="2000-01-01",
        last_seq=seq,
        last_chain_hash=chain_hash,
        previous_hash=GENESIS,
        rows_removed=0,
        reason="x",
    )
    found = {(p, t) for p, t, _ in breaks()}
    assert {
        (CHECKPOINT_CONFLICT, CHECKPOINT_TABLE),  # it says links were removed
        (ROW_CHANGED, APPLICATION_HISTORY),  # the edit is still found
        (UNRECORDED, CHECKPOINT_TABLE),  # no checkpoint is written this way
    } <= found
    report = verify(live=False)
    assert f"checkpoint {fake.pk} is not a link of the chain" in report.heads
    with pytest.raises(CommandError, match="do not verify"):
        call_command("verify_audit", expect=[kept])
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_a_forged_purge_is_found_by_the_head_log(cast):
    """Someone removes the oldest links with their rows and writes a
    checkpoint for them, linked at the end of the chain exactly as
    purge_audit would: the chain holds, but purge_audit did not log it."""
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    seal()
    cut = 10
    last = AuditRowHash.objects.get(seq=cut)
    pks = dict(audited_tables())
    for link in AuditRowHash.objects.filter(seq__lte=cut):
        sql(f'DELETE FROM "{link.table}" WHERE "{pks[link.table]}" = %s', [link.row_id])
        link.delete()
    checkpoint = AuditCheckpoint.objects.create(
        purged_before="2000-01-01",
        last_seq=cut,
        last_chain_hash=last.chain_hash,
        previous_hash=GENESIS,
        rows_removed=cut,
        reason="清理",
    )
    from workflows.audit.record import record

    record(CHECKPOINT_TABLE, "id", [checkpoint.pk])
    seq, chain_hash = head()
    row = AuditRowHash.objects.get(table=CHECKPOINT_TABLE, row_id=checkpoint.pk)
    row.seq, row.chain_hash = seq + 1, digest(chain_hash + row.row_hash)
    row.save()
    assert check_chain() == []  # a consistent chain on its own
    heads = verify(live=False).heads
    assert heads == [
        f"checkpoint {checkpoint.pk} (link #{seq + 1}) is not in the head log as a "
        "purge: purge_audit did not write it"
    ]


# -- a rewritten chain --------------------------------------------------------------


def test_a_rewritten_chain_is_caught_by_the_head_log_and_by_expect(cast, tmp_path):
    case = submit(Desk(cast.caseworker), cast)
    call_command("verify_audit")
    kept = head_text()
    accept(cast, case)
    call_command("verify_audit")
    history_id = first_history_id(case)
    sql(
        f"UPDATE {APPLICATION_HISTORY} SET reason = %s WHERE history_id = %s",
        ["篡改", history_id],
    )
    rewrite_chain_from(recorded(APPLICATION_HISTORY, history_id).seq)
    assert check_chain() == []  # the rewritten chain holds on its own
    heads = verify(live=False).heads
    assert len(heads) == 2 and all("the chain was rewritten" in h for h in heads)
    with pytest.raises(CommandError, match="rewritten"):
        call_command("verify_audit")
    # without the head log (another copy, empty), the kept head still tells
    elsewhere = tmp_path / "elsewhere.log"
    headlog_copy = headlog.read()[:1]
    elsewhere.write_text(
        "".join(f"{h.at} {h.seq}:{h.chain_hash} {h.event}\n" for h in headlog_copy)
    )
    with pytest.raises(CommandError, match="rewritten"):
        call_command("verify_audit", expect=[kept], head_log=str(elsewhere))


def test_a_chain_cut_short_is_caught(cast):
    submit(Desk(cast.caseworker), cast)
    call_command("verify_audit")
    seq, _ = head()
    AuditRowHash.objects.filter(seq__gte=seq - 3).delete()
    heads = verify(live=False).heads
    assert heads == [
        f"link #{seq} (logged {headlog.read()[0].at}) does not exist: the chain was cut"
    ]
    with pytest.raises(CommandError, match="N:HASH"):
        call_command("verify_audit", expect=["latest"])


def test_a_missing_head_log_is_reported(cast, settings, tmp_path):
    submit(Desk(cast.caseworker), cast)
    seal()
    settings.AUDIT_HEAD_LOG = tmp_path / "nowhere" / "heads.log"
    assert verify(live=False).heads == [
        f"no head log at {settings.AUDIT_HEAD_LOG}: the chain cannot be checked "
        "against the heads kept outside the database"
    ]


def test_an_edited_head_log_line_is_reported(cast):
    submit(Desk(cast.caseworker), cast)
    seal()
    log = headlog.path()
    log.write_text(log.read_text() + "something else\n")
    assert any("not a head" in h for h in verify(live=False).heads)


# -- live tables --------------------------------------------------------------


def test_a_decision_changed_in_the_live_table_is_found(cast):
    """A rejection turned into an approval by ``QuerySet.update``: no history
    row is written, and the live row no longer equals the last one."""
    from workflows.dibao.models import Decision

    from ..dibao.test_flow_http import test_reject_path

    test_reject_path(cast)
    decision = Decision.objects.get()
    assert decision.outcome == "reject"
    call_command("verify_audit")
    Decision.objects.filter(pk=decision.pk).update(outcome="approve")
    report = verify()
    assert report.breaks == [] and report.heads == []
    assert [(m.model, m.pk, m.problem, m.fields) for m in report.live] == [
        ("workflows.Decision", decision.pk, CHANGED, ("outcome",))
    ]
    with pytest.raises(CommandError, match=f"workflows.Decision {decision.pk}"):
        call_command("verify_audit")


def test_live_rows_deleted_or_inserted_without_history_are_found(cast):
    from django.contrib.auth.models import Group

    from workflows.registry.models import Member

    case = submit(Desk(cast.caseworker), cast, incomes=[])
    spouse = Member.objects.get(household=case.household, relation="spouse")
    sql("DELETE FROM workflows_member WHERE id = %s", [spouse.pk])
    sql(
        "INSERT INTO workflows_calendarday (date, is_workday, name, source)"
        " VALUES (%s, %s, %s, %s)",
        ["2032-02-02", False, "伪造", "admin"],
    )
    sql(
        "INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)",
        [cast.caseworker.pk, Group.objects.order_by("pk").first().pk],
    )
    found = {(m.model, m.problem, m.fields) for m in verify().live}
    assert found == {
        ("workflows.Member", DELETED, ()),
        ("workflows.CalendarDay", NO_HISTORY, ()),
        ("auth.User", CHANGED, ("groups",)),
    }


def test_an_auditor_can_change_nothing(cast, staff):
    """Every URL with an id, and the work pages, posted to as an auditor:
    refused, and not one audit row written but the refusals themselves
    (access events, docs/security.md)."""
    from django.contrib.auth.models import Permission

    from roles.models import CaseGrant
    from tests.roles.test_url_matrix import (
        build_url,
        cases_at_every_step,
        flow_cases,
        id_patterns,
        locked_out,
    )

    cases = cases_at_every_step(cast)
    more = flow_cases(cast, staff)
    auditor = staff("auditor", "370402")
    desk = Desk(auditor)
    grant = CaseGrant(
        user=cast.coordinator,
        permission=Permission.objects.get(codename="view_application"),
        content_object=cases[0],
        reason="x",
        granted_by=cast.district_supervisor,
    )
    grant.save()
    lockout = locked_out(cast.caseworker)
    access_tables = ("workflows_sensitiveaccess", "workflows_historicalsensitiveaccess")

    def rows():
        return AuditRowHash.objects.exclude(table__in=access_tables).count()

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
    assert rows() == before  # not one audit row written but the refusals
    events = SensitiveAccess.objects.filter(user=auditor)
    assert events.exists()
    assert set(events.values_list("action", flat=True)) == {"refused"}
