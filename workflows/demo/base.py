"""What every demo scenario shares: the demo's staff and files, finding the
person whose post covers a case, and doing one step as them."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from viewflow.workflow.status import STATUS

from roles.models import Post, Region, Role
from roles.scope import ancestor_paths

from ..core.services import run_task

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo"


def demo_users():
    return json.loads((DEMO / "users.json").read_text(encoding="utf-8"))


@transaction.atomic
def load_users():
    data = demo_users()
    User = get_user_model()
    created = 0
    for row in data["users"]:
        user, was_created = User.objects.get_or_create(
            username=row["username"],
            defaults={"first_name": row["name"]},
        )
        if was_created:
            user.set_password(data["password"])
            user.save()
            created += 1
        if "unit" in row:  # a member unit's staff: no post, only the unit's group
            from ..escalation.models import MemberUnit

            unit = MemberUnit.objects.get(
                district__code=row["district"], kind=row["unit"]
            )
            if not user.groups.filter(pk=unit.group_id).exists():
                user.groups.add(unit.group)
            continue
        Post.objects.get_or_create(
            user=user,
            region=Region.objects.get(code=row["region"]),
            role=Role.objects.get(code=row["role"]),
        )
    admin, was_created = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "first_name": "管理员"},
    )
    if was_created:
        admin.set_password(data["password"])
        admin.save()
        created += 1
    # demo passwords are set directly, past the password policy (DEBUG only)
    if settings.DEBUG:
        for username in data["second_factor"]["users"]:
            demo_second_factor(User.objects.get(username=username))
    return created


def demo_second_factor(user):
    """Give a privileged demo login the published demo TOTP secret, so that
    ``make run`` needs no phone (``manage.py demo_otp`` prints its code). A
    known secret is worthless as a second factor: refused with DEBUG off."""
    from django.core.exceptions import ImproperlyConfigured
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not settings.DEBUG:
        raise ImproperlyConfigured("The demo second factor exists only with DEBUG.")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user,
        defaults={
            "name": "演示动态口令",
            "key": demo_users()["second_factor"]["key_hex"],
            "confirmed": True,
        },
    )
    return device


def open_task(case, node):
    return case.task_set.filter(
        flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
    ).first()


def user_for(case, role, exclude=None):
    """A demo user whose post covers ``case`` with ``role``, nearest first."""
    User = get_user_model()
    user = (
        User.objects.filter(
            posts__role__code=role,
            posts__is_active=True,
            posts__region__path__in=ancestor_paths(case.region.path),
        )
        .exclude(pk=getattr(exclude, "pk", None))
        .order_by("-posts__region__path", "pk")
        .first()
    )
    if user is None:
        raise LookupError(f"no demo {role} covers {case.region}")
    return user


def step(case, node, user, action):
    """Do the open ``node`` task of ``case`` as ``user``: ``action(case)``."""
    return run_task(
        task=open_task(case, node), user=user, step=lambda a: action(a.process)
    )


def second_investigator(case, first):
    """The other person of a home visit: someone whose role takes part in
    visits (the village's coordinator first), never ``first``."""
    from workflows.core.grants import people_who_may

    people = [u for u in people_who_may("workflows.visit_case", case) if u != first]
    if not people:
        raise LookupError(f"nobody but {first} may visit in {case.region}")
    coordinators = set(
        Post.objects.active()
        .filter(user__in=people, role__code="village_coordinator")
        .values_list("user_id", flat=True)
    )
    return sorted(people, key=lambda u: (u.pk not in coordinators, u.pk))[0]
