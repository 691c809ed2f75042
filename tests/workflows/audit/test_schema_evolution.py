"""The chain survives the schema growing: each row hash covers the columns
its table had when the row was hashed (its column set). A column added by a
migration leaves older hashes as they were; a history table must never lose
a column (a retired field keeps it), and if one is dropped or a column set
is tampered with, verification says so."""

import pytest
from django.db import connection

from workflows.audit.chain import COLUMNS_ALTERED, ROW_CHANGED, check_chain, seal
from workflows.audit.models import AuditColumnSet, AuditRowHash
from workflows.audit.record import forget_known_sets
from workflows.audit.rows import forget_columns

from ..dibao.desk import Desk, accept, submit

pytestmark = pytest.mark.django_db

TABLE = "workflows_historicalapplication"


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def fresh_columns():
    forget_columns()
    forget_known_sets()
    yield
    forget_columns()
    forget_known_sets()


def breaks():
    return [(b.problem, b.table) for b in check_chain()]


def test_a_column_added_later_leaves_older_hashes_whole(cast, fresh_columns):
    case = submit(Desk(cast.caseworker), cast)
    seal()
    assert breaks() == []
    # a migration adds a column with a default to the history table (a
    # migration runs with no deferred checks pending; PostgreSQL refuses to
    # alter a table that has them)
    if connection.vendor == "postgresql":
        sql("SET CONSTRAINTS ALL IMMEDIATE")
    sql(f'ALTER TABLE "{TABLE}" ADD COLUMN "added_later" integer DEFAULT 7')
    forget_columns()
    assert breaks() == []
    # rows written afterwards are hashed over the new column set
    accept(cast, case)
    forget_known_sets()
    seal()
    assert breaks() == []
    newest = AuditRowHash.objects.filter(table=TABLE).latest("id")
    assert "added_later" in AuditColumnSet.objects.get(key=newest.columns).columns
    # and a change to the new column of a new row is caught
    sql(
        f'UPDATE "{TABLE}" SET "added_later" = 8 WHERE history_id = %s', [newest.row_id]
    )
    assert (ROW_CHANGED, TABLE) in breaks()


def test_an_altered_or_dropped_column_set_is_reported(cast, fresh_columns):
    submit(Desk(cast.caseworker), cast)
    seal()
    key = AuditRowHash.objects.filter(table=TABLE).latest("id").columns
    column_set = AuditColumnSet.objects.get(key=key)
    # leaving out a column to hide a change to it: the key no longer matches
    column_set.columns = [c for c in column_set.columns if c != "reason"]
    column_set.save()
    assert (COLUMNS_ALTERED, TABLE) in breaks()


def test_retired_fields_keep_their_history_columns():
    """The fields that left the 低保 application and the escalation when
    their links moved to ``Case.origin`` stay in their history tables."""
    from workflows.dibao.models import Application
    from workflows.escalation.models import Escalation

    assert "source_call" in {
        f.name for f in Application.history.model._meta.get_fields()
    }
    assert {"source_application", "source_call"} <= {
        f.name for f in Escalation.history.model._meta.get_fields()
    }
