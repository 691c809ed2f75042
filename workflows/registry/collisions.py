"""Stored identity numbers that are one person once normalised.

Before ``idnumber.normalize`` existed, a number typed with full-width or
other-script digits passed validation and was stored as typed, so the same
person could be registered twice (``Member.id_number`` is unique only as
spelled). Normalising the stored numbers would then break the unique index;
the collisions must first be merged by a person (``registry.services.
member_merge``, ``manage.py id_number_collisions``).

The functions here take the model classes as arguments: the data migration
runs them on its historical models, the command and the tests on the live
ones. Nothing here imports a model.
"""

from django.utils import timezone

from .idnumber import LENGTH, normalize

COMMAND = "manage.py id_number_collisions"
MIGRATION_JOB = "migrate:normalise_id_numbers"
MIGRATION_REASON = "身份证号码统一为标准写法（全角/其他文字数字、空格转换）"


class CollisionsRemain(Exception):
    """Raised by the migration while two stored members are one number."""

    def __init__(self, groups):
        self.groups = groups
        super().__init__(
            f"{len(groups)} number(s) are stored for more than one registry "
            "member once normalised (e.g. full-width and ASCII digits): the "
            "migration would break the unique index. List them with "
            f"`{COMMAND}`, merge each with `{COMMAND} --merge KEEP_ID REMOVE_ID "
            "--reason … --by USERNAME`, then run `migrate` again. "
            f"Member ids: {list(groups.values())[:20]}"
        )


def _not_normalised(model):
    """``[(pk, stored, normalised)]`` of the rows of ``model`` whose stored
    number is not in its normal form (one pass over the numbers)."""
    rows = model._base_manager.order_by("pk").values_list("pk", "id_number")
    return [
        (pk, stored, normal)
        for pk, stored in rows.iterator(chunk_size=5000)
        if (normal := normalize(stored)) != stored
    ]


def collision_groups(member_model) -> dict[str, list[int]]:
    """``{normalised number: [member pk, …]}`` for every number that two or
    more stored members share once normalised.

    A collision needs at least one row not stored in its normal form (two
    rows stored in normal form are already kept apart by the unique index),
    so only those rows' numbers are looked up.
    """
    groups = {}
    for pk, _stored, normal in _not_normalised(member_model):
        groups.setdefault(normal, []).append(pk)
    numbers = list(groups)
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        stored_normal = member_model._base_manager.filter(id_number__in=chunk)
        for pk, stored in stored_normal.values_list("pk", "id_number"):
            if stored in groups:  # a lookup value may be normalised on the way
                groups[stored].append(pk)
    return {
        number: sorted(pks) for number, pks in sorted(groups.items()) if len(pks) > 1
    }


def normalise_stored_numbers(apps, schema_editor=None):
    """The data migration: refuse while collisions remain, then store every
    number in its normal form, with history.

    ``apps`` is the migration's registry (historical models, which carry no
    history manager) or the live one. Each changed member gets a '~' row in
    its history table written here, as simple-history would write it; the
    save itself skips simple-history's own row so the live models do not
    write it twice. Departmental feed rows keep no history by design; each
    batch whose rows changed gets a '~' row saying how many.
    """
    Member = apps.get_model("workflows", "Member")
    groups = collision_groups(Member)
    if groups:
        raise CollisionsRemain(groups)
    now = timezone.now()
    stamp = {
        "history_date": now,
        "history_type": "~",
        "history_change_reason": MIGRATION_REASON,
        "history_job": MIGRATION_JOB,
        "history_user": None,
    }
    HistoricalMember = apps.get_model("workflows", "HistoricalMember")
    members = 0
    for pk, _stored, normal in _not_normalised(Member):
        member = Member._base_manager.get(pk=pk)
        member.id_number = normal
        member.skip_history_when_saving = True
        member.save(update_fields=["id_number"])
        _write_history(HistoricalMember, Member, member, stamp)
        members += 1

    FeedRecord = apps.get_model("workflows", "FeedRecord")
    FeedBatch = apps.get_model("workflows", "FeedBatch")
    HistoricalFeedBatch = apps.get_model("workflows", "HistoricalFeedBatch")
    per_batch = {}
    for pk, _stored, normal in _not_normalised(FeedRecord):
        if len(normal) > LENGTH:
            continue  # not a number in any spelling; it matches no one either way
        record = FeedRecord._base_manager.get(pk=pk)
        record.id_number = normal
        record.save(update_fields=["id_number"])
        per_batch[record.batch_id] = per_batch.get(record.batch_id, 0) + 1
    for batch_pk, count in sorted(per_batch.items()):
        batch = FeedBatch._base_manager.get(pk=batch_pk)
        _write_history(
            HistoricalFeedBatch,
            FeedBatch,
            batch,
            {**stamp, "history_change_reason": f"{MIGRATION_REASON}：{count} 条记录"},
        )
    return {"members": members, "feed_records": sum(per_batch.values())}


def _write_history(history_model, model, obj, stamp):
    values = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    history_model._base_manager.create(**values, **stamp)
