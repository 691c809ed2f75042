"""Load the region tree and the roles (idempotent: running it twice changes nothing)."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction

from .matrix import RELEASES, ROLE_PERMISSIONS
from .models import Region, Role

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "reference"


def permissions_named(names, missing_ok=False):
    """``Permission`` rows by ``app.codename``; with ``missing_ok``, names no
    longer defined (a permission a release retires) are skipped."""
    perms = []
    for name in names:
        app_label, codename = name.split(".")
        row = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if row is None and not missing_ok:
            raise Permission.DoesNotExist(name)
        if row is not None:
            perms.append(row)
    return perms


@transaction.atomic
def load_regions(path=FIXTURES / "regions.json"):
    rows = json.loads(Path(path).read_text(encoding="utf-8"))["regions"]
    created = 0
    by_code = {}
    for row in rows:
        parent = by_code.get(row["parent"]) if row["parent"] else None
        if row["parent"] and parent is None:
            parent = Region.objects.get(code=row["parent"])
        region, was_created = Region.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "kind": row["kind"],
                "parent": parent,
                "is_sample": row["sample"],
            },
        )
        by_code[region.code] = region
        created += was_created
    return created


@transaction.atomic
def load_roles(reset_permissions=False):
    """Create the roles; their permissions are seeded from the matrix only when
    a role is created (or on ``reset_permissions``), so an administrator's
    later edits survive a reload."""
    created = 0
    for code, names in ROLE_PERMISSIONS.items():
        role, was_created = Role.objects.get_or_create(
            code=code, defaults={"seeded_releases": sorted(RELEASES)}
        )
        if was_created or reset_permissions:
            role._change_reason = "角色权限按 roles/matrix.py 初始化"
            role.permissions.set(permissions_named(names))
            role.seeded_releases = sorted(RELEASES)
            role.save(update_fields=["seeded_releases"])
        else:
            for release, changes in sorted(RELEASES.items()):
                if release in role.seeded_releases:
                    continue
                role._change_reason = f"系统升级调整权限（{release}）"
                added = list(changes.get("add", {}).get(code, []))
                removed = list(changes.get("remove", {}).get(code, []))
                held = {
                    f"{p.content_type.app_label}.{p.codename}"
                    for p in role.permissions.select_related("content_type")
                }
                for old, new in changes.get("replace", {}).items():
                    if old in held:
                        added += new
                        removed.append(old)
                role.permissions.add(*permissions_named(added))
                role.permissions.remove(*permissions_named(removed, missing_ok=True))
                role.seeded_releases = [*role.seeded_releases, release]
                role.save(update_fields=["seeded_releases"])
        created += was_created
    return created
