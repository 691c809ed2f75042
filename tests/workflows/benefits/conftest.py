"""Households on 低保 in two districts, loaded as the bureaus load their
existing caseload: the registry import, then the caseload import."""

import pytest

from tests.workflows.dataio.conftest import HEADERS, as_xlsx, member_file
from tests.workflows.dibao.desk import cast  # noqa: F401  (fixture)
from tests.workflows.escalation.story import people  # noqa: F401  (fixture)
from workflows.benefits.models import Benefit
from workflows.dataio.models import ImportRun
from workflows.dataio.services import import_commit, import_preview
from workflows.dibao.imports import CASELOAD

SHIZHONG = "370402106201"  # a village of 市中区
XUECHENG = "370403001201"  # a village of 薛城区
CASELOAD_HEADERS = [c.header for c in CASELOAD.columns]


def _run(user, kind, rows, headers):
    run = import_preview(
        user=user, kind=kind, data=as_xlsx(rows, headers), filename="f.xlsx"
    )
    assert run.status == ImportRun.Status.READY, run.errors
    run = import_commit(user=user, run=run)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE, run.errors
    return run


@pytest.fixture
def caseload(staff):
    """Four rural households on 低保 since March 2026: two in 市中区's
    village 370402106201 (of 2 members each), two in 薛城区 (of 3).
    Returns their benefits, 市中区's first."""
    rows, numbers = member_file(10, villages=(SHIZHONG, XUECHENG))
    city = staff("city_administrator", "370400")
    _run(city, "registry.households", rows, HEADERS)
    heads = [numbers[i] for i in (0, 3, 5, 8)]  # households of 3, 2, 3, 2
    rows = [
        [head, "2026-03-01", "500", f"ZZ-2026-{n:04d}", "", ""]
        for n, head in enumerate(heads)
    ]
    _run(city, "dibao.caseload", rows, CASELOAD_HEADERS)
    benefits = list(Benefit.objects.order_by("region__path", "pk"))
    assert [b.region.code for b in benefits] == [SHIZHONG] * 2 + [XUECHENG] * 2
    return benefits
