"""Load the reference data of the workflows app (idempotent)."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from roles.models import Level, Region

from .clock.models import TimeLimit
from .standards.models import (
    AssistanceStandard,
    DistrictPolicy,
    IncomeType,
    ReviewInterval,
)

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "reference"


def _date(value):
    return datetime.date.fromisoformat(value)


@transaction.atomic
def load_income_types(path=FIXTURES / "income_types.json"):
    rows = json.loads(Path(path).read_text(encoding="utf-8"))["income_types"]
    created = 0
    for row in rows:
        income_type, was_created = IncomeType.objects.get_or_create(
            code=row["code"],
            defaults={
                k: row[k] for k in ("name", "name_en", "category", "counted", "basis")
            },
        )
        if not was_created and not income_type.name_en:
            # fill the English name added later; never overwrite an admin's edit
            income_type.name_en = row["name_en"]
            income_type.save(update_fields=["name_en"])
        created += was_created
    return created


@transaction.atomic
def load_parameters(path=FIXTURES / "parameters.json"):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    created = 0
    for row in data["time_limits"]:
        _, was_created = TimeLimit.objects.get_or_create(
            code=row["code"],
            valid_from=_date(row["valid_from"]),
            defaults={
                "amount": row["amount"],
                "unit": row["unit"],
                "article": row["article"],
                "is_sample": row.get("sample", False),
            },
        )
        created += was_created

    std = data["standards"]
    policies = data["district_policies"]
    for district in Region.objects.filter(level=Level.DISTRICT):
        for area in ("urban", "rural"):
            values = {**std["common"], **std[area]}
            _, was_created = AssistanceStandard.objects.get_or_create(
                district=district,
                area=area,
                valid_from=_date(std["valid_from"]),
                defaults={
                    "is_sample": True,
                    "source": std["source"],
                    "monthly_standard": Decimal(values["monthly_standard"]),
                    "marginal_multiplier": Decimal(values["marginal_multiplier"]),
                    "financial_assets_limit_per_capita": Decimal(
                        values["financial_assets_limit_per_capita"]
                    ),
                    "vehicle_value_limit": Decimal(values["vehicle_value_limit"]),
                    "housing_units_limit": values["housing_units_limit"],
                    "business_assets_limit": Decimal(values["business_assets_limit"]),
                    "rounding": values["rounding"],
                },
            )
            created += was_created
        _, was_created = DistrictPolicy.objects.get_or_create(
            district=district,
            valid_from=_date(policies["valid_from"]),
            defaults={
                "is_sample": True,
                "confirmation_delegated": district.code
                in policies["delegated_districts"],
                "spot_check_ratio": Decimal(policies["default"]["spot_check_ratio"]),
                "escalation_quorum": policies["default"]["escalation_quorum"],
            },
        )
        created += was_created
        intervals = data.get("review_intervals")
        for review_class, months in (intervals or {}).get("months", {}).items():
            _, was_created = ReviewInterval.objects.get_or_create(
                district=district,
                review_class=review_class,
                valid_from=_date(intervals["valid_from"]),
                defaults={
                    "is_sample": True,
                    "source": intervals["source"],
                    "months": months,
                },
            )
            created += was_created
    return created


@transaction.atomic
def load_member_units(path=FIXTURES / "member_units.json"):
    """Each district's leading-group member units, each with the user group
    that holds its staff (idempotent; an administrator's renames survive)."""
    from django.contrib.auth.models import Group

    from .escalation.models import MemberUnit

    rows = json.loads(Path(path).read_text(encoding="utf-8"))["units"]
    created = 0
    for district in Region.objects.filter(level=Level.DISTRICT):
        for sort, row in enumerate(rows):
            if MemberUnit.objects.filter(district=district, kind=row["kind"]).exists():
                continue
            name = district.name + row["suffix"]
            group, _ = Group.objects.get_or_create(name=f"成员单位·{name}")
            MemberUnit.objects.create(
                district=district, kind=row["kind"], name=name, group=group, sort=sort
            )
            created += 1
    return created
