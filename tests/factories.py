"""Factories for tests (factory_boy): staff with posts, households, cases."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from roles.models import Post, Region, Role
from workflows.registry.idnumber import make_id_number

VILLAGE = "370402106201"  # 龚庄村, 孟庄镇, 市中区
OTHER_VILLAGE = "370402106202"  # 东王庄村, same town
OTHER_TOWN_VILLAGE = "370402002001"  # 光明社区, 光明路街道, same district
OTHER_DISTRICT_VILLAGE = "370404103201"  # 阴平村, 峄城区
TOWN = "370402106"
DISTRICT = "370402"
CITY = "370400"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Sequence(lambda n: f"工作人员{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @classmethod
    def with_post(cls, role, region_code, **kwargs):
        user = cls(**kwargs)
        user.save()
        Post.objects.create(
            user=user,
            region=Region.objects.get(code=region_code),
            role=Role.objects.get(code=role),
        )
        return user

    @staticmethod
    def add_post(user, role, region_code):
        """Give ``user`` a second post (someone holding two jobs)."""
        from roles.scope import clear_scope_cache

        Post.objects.create(
            user=user,
            region=Region.objects.get(code=region_code),
            role=Role.objects.get(code=role),
        )
        clear_scope_cache(user)
        return user


_seq = iter(range(100, 1000))


def id_number(born=datetime.date(1970, 1, 1), male=True, area="370402"):
    """A fresh valid resident ID number."""
    seq = next(_seq)
    if (seq % 2 == 1) != male:
        seq = next(_seq)
    return make_id_number(area, born, seq)


def member_row(
    name, relation="head", born=datetime.date(1970, 1, 1), male=True, **extra
):
    row = {
        "name": name,
        "id_number": id_number(born, male),
        "relation": relation,
        "employment": "unable",
        "disability_grade": "0",
        "disability_kind": "",
        "exclusion": "",
    }
    row.update(extra)
    return row


def apply_post_data(
    region,
    members,
    incomes=(),
    deductions=(),
    assets=(),
    channel="window",
    area="rural",
    **extra,
):
    """POST data of the application form (formsets included)."""
    data = {
        "region": str(region.pk),
        "address": "测试地址1号",
        "area": area,
        "phone": "",
        "channel": channel,
        "reason": "生活困难",
        "authorization_signed": "on",
        "declaration_signed": "on",
    }
    data.update(extra)

    def formset(prefix, rows):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows):
            for key, value in row.items():
                if value is True:
                    data[f"{prefix}-{i}-{key}"] = "on"
                elif value is not False:
                    data[f"{prefix}-{i}-{key}"] = str(value)

    formset("members", list(members))
    formset("incomes", list(incomes))
    formset("deductions", list(deductions))
    formset("assets", list(assets))
    return data


def money(value):
    return Decimal(str(value))


def one_person_spec(name, n, wage=None):
    """A demo-loader spec (``workflows.demo.apply``) of a one-person household
    in 龚庄村, applied at the window; ``n`` makes the ID number unique and
    ``wage`` (yuan a month) puts it over the standard."""
    return {
        "village": "370402106201",
        "address": "测试",
        "area": "rural",
        "channel": "window",
        "submitted_by": "caseworker",
        "reason": "x",
        "members": [
            {
                "name": name,
                "born": "1960-01-01",
                "sex": "M",
                "relation": "head",
                "employment": "unable",
                "id_number": make_id_number(
                    "370402", datetime.date(1960, 1, 1 + n), 101 + 2 * n
                ),
            }
        ],
        "incomes": [[0, "wage", wage]] if wage else [],
        "deductions": [],
        "assets": [],
    }


def login_with_second_factor(client, user):
    """Log a privileged ``user`` (superuser, admin, city administrator) in as
    if they had also given their second-factor code: a bound authenticator
    and a session verified by it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, defaults={"name": "test", "confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def set_policy(district_code=None, *, reason="测试设定", **values):
    """Change the district policies (all, or one district's) the way an
    administrator does: a save with a reason, so the history keeps it."""
    from workflows.standards.models import DistrictPolicy

    policies = DistrictPolicy.objects.all()
    if district_code is not None:
        policies = policies.filter(district__code=district_code)
    for policy in policies:
        for name, value in values.items():
            setattr(policy, name, value)
        policy._change_reason = reason
        policy.save()
