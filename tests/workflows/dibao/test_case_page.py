"""The case page: masked IDs, a logged reveal, and who may do what there."""

import pytest

from workflows.core.models import SensitiveAccess

from .desk import Desk, case_url, submit

pytestmark = pytest.mark.django_db


def test_id_numbers_are_masked_and_a_reveal_is_logged_without_the_number(cast):
    case = submit(Desk(cast.caseworker), cast)
    member = case.applicant
    desk = Desk(cast.caseworker)
    page = desk.get(case_url(case)).content.decode()
    assert member.id_number not in page
    assert member.masked_id_number in page
    response = desk.post(case_url(case, "reveal_id", member.pk))
    assert response.status_code == 302
    revealed = desk.get(case_url(case)).content.decode()
    assert member.id_number in revealed
    # shown once: the next view is masked again
    assert member.id_number not in desk.get(case_url(case)).content.decode()
    entry = SensitiveAccess.objects.get()
    assert (entry.user, entry.case_id, entry.action) == (
        cast.caseworker,
        case.pk,
        "reveal_id",
    )
    assert member.id_number not in entry.record
    assert entry.record == f"workflows.member:{member.pk}"


def test_roles_without_the_permission_cannot_reveal(cast):
    case = submit(Desk(cast.caseworker), cast)
    desk = Desk(cast.coordinator)
    assert "查看将被记录" not in desk.get(case_url(case)).content.decode()
    response = desk.post(case_url(case, "reveal_id", case.applicant.pk))
    assert response.status_code == 403
    assert not SensitiveAccess.objects.exclude(action="refused").exists()


def test_reveal_of_a_member_of_another_household_is_not_found(cast):
    first = submit(Desk(cast.caseworker), cast)
    from tests.factories import member_row

    second = submit(
        Desk(cast.caseworker), cast, members=[member_row("周二")], incomes=[]
    )
    response = Desk(cast.caseworker).post(
        case_url(first, "reveal_id", second.applicant.pk)
    )
    assert response.status_code == 404
    assert not SensitiveAccess.objects.exclude(action="refused").exists()


def test_chinese_by_default_english_on_request(cast, client):
    client.force_login(cast.caseworker)
    page = client.get("/dibao/inbox/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert "我的待办" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/dibao/inbox/"})
    page = client.get("/dibao/inbox/")
    assert page.wsgi_request.LANGUAGE_CODE == "en"
