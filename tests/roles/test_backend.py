"""The one permission rule: role permission AND region under an active post."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from roles.models import Post, Region, Role
from roles.scope import clear_scope_cache
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

PERM = "workflows.accept_application"


def region(code):
    return Region.objects.get(code=code)


def test_a_town_post_covers_its_villages_and_nothing_else(staff):
    user = staff("town_caseworker", "370402106")
    assert user.has_perm(PERM, region("370402106201"))
    assert user.has_perm(PERM, region("370402106202"))
    assert not user.has_perm(PERM, region("370402002001"))  # other town
    assert not user.has_perm(PERM, region("370404103201"))  # other district
    assert user.has_perm(PERM)  # "somewhere": opens lists, never an object


def test_the_role_must_hold_the_permission(staff):
    user = staff("village_coordinator", "370402106201")
    assert user.has_perm("workflows.apply_application", region("370402106201"))
    assert not user.has_perm(PERM, region("370402106201"))


def test_a_district_post_covers_every_town_of_the_district(staff):
    user = staff("district_reviewer", "370402")
    for code in ("370402106201", "370402002002"):
        assert user.has_perm("workflows.confirm_application", region(code))
    assert not user.has_perm("workflows.confirm_application", region("370405001001"))


def test_ended_or_inactive_posts_grant_nothing(staff):
    user = staff("town_caseworker", "370402106")
    post = user.posts.get()
    post.valid_to = timezone.localdate() - datetime.timedelta(days=1)
    post._change_reason = "调离"
    post.save()
    clear_scope_cache(user)
    assert not user.has_perm(PERM, region("370402106201"))
    post.valid_to = None
    post.is_active = False
    post._change_reason = "停用"
    post.save()
    clear_scope_cache(user)
    assert not user.has_perm(PERM)


def test_a_post_must_sit_at_a_level_its_role_allows():
    user = StaffFactory()
    post = Post(
        user=user,
        region=region("370402"),
        role=Role.objects.get(code="town_caseworker"),
    )
    with pytest.raises(ValidationError):
        post.full_clean()


def test_inactive_users_have_no_permissions(staff):
    user = staff("town_caseworker", "370402106")
    user.is_active = False
    assert not user.has_perm(PERM, region("370402106201"))


def test_region_paths_are_materialized():
    village = region("370402106201")
    assert village.path == "370400/370402/370402106/370402106201/"
    assert village.district.code == "370402" and village.town.code == "370402106"
    assert village.full_name == "枣庄市市中区孟庄镇龚庄村"


def test_a_release_adds_and_removes_permissions_once_and_keeps_later_edits():
    """Roles that exist before an upgrade get the release's changes once (in
    the role's history): hotline operators lose the 低保 file, caseworkers
    gain visits; an administrator's later edit is not undone by a reload."""
    from django.contrib.auth.models import Permission

    from roles.models import Role
    from roles.reference import load_roles

    operator = Role.objects.get(code="hotline_operator")
    view_file = Permission.objects.get(codename="view_application")
    operator._change_reason = "模拟升级前的角色"
    operator.permissions.add(view_file)  # as before the release
    operator.seeded_releases = [
        r for r in operator.seeded_releases if r != "2026-12-security"
    ]
    operator.save()
    load_roles()
    operator.refresh_from_db()
    assert view_file not in operator.permissions.all()
    assert "2026-12-security" in operator.seeded_releases
    assert "系统升级调整权限（2026-12-security）" in set(
        operator.history.values_list("history_change_reason", flat=True)
    )
    operator._change_reason = "管理员决定热线受理员可查阅低保案卷"
    operator.permissions.add(view_file)  # an administrator decides otherwise
    load_roles()
    assert view_file in Role.objects.get(code="hotline_operator").permissions.all()
    caseworker = Role.objects.get(code="town_caseworker")
    assert caseworker.permissions.filter(codename="visit_case").exists()


def test_the_case_spine_release_gives_existing_roles_the_case_wide_powers():
    """A role seeded before the case spine held each programme's own
    manage / audit permissions; the release replaces them once, so
    supervisors keep their workspace and auditors their timelines."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from roles.models import Role
    from roles.reference import load_roles
    from workflows.dibao.models import Application

    def perm(codename):
        found = Permission.objects.filter(
            content_type__app_label="workflows", codename=codename
        ).first()
        # the programme's own permissions exist only in databases from before
        return found or Permission.objects.create(
            codename=codename,
            name=codename,
            content_type=ContentType.objects.get_for_model(Application),
        )

    supervisor = Role.objects.get(code="district_supervisor")
    supervisor._change_reason = "模拟升级前的角色"
    supervisor.permissions.remove(
        perm("manage_case"), perm("grant_case"), perm("audit_case")
    )
    supervisor.permissions.add(perm("manage_application"), perm("audit_application"))
    supervisor.seeded_releases = [
        r for r in supervisor.seeded_releases if r != "2026-12-case-spine"
    ]
    supervisor.save()
    load_roles()
    held = set(supervisor.permissions.values_list("codename", flat=True))
    assert {"manage_case", "grant_case", "audit_case"} <= held
    assert not {"manage_application", "audit_application"} & held
