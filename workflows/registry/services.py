"""Writes on the registry that are not a step of a case."""

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..base.context import on_behalf_of
from . import idnumber
from .models import Member

MERGE_PERMISSION = "workflows.merge_member"


@dataclass
class MergeResult:
    kept: Member
    removed_pk: int
    moved: dict = field(default_factory=dict)  # model label → rows repointed
    emptied_household: object = None  # the removed member's household, if now empty


def _references_to(member):
    """``(model, field, rows)`` of every row pointing at ``member`` through a
    foreign key (history tables excepted: they record what was)."""
    for relation in Member._meta.related_objects:
        related = relation.related_model
        if related._meta.object_name.startswith("Historical"):
            continue
        if relation.many_to_many:  # none today; a new one must be handled here
            raise NotImplementedError(f"merge of {related._meta.label}")
        name = relation.field.name
        rows = related._base_manager.filter(**{name: member}).order_by("pk")
        yield related, relation.field, rows


@transaction.atomic
def member_merge(*, keep: Member, remove: Member, by, reason: str) -> MergeResult:
    """Merge two registry records of one person (the same identity number,
    spelled differently before numbers were normalised) into ``keep``.

    Every row pointing at ``remove`` (incomes, deductions, the applicant of a
    case, a 单人保 opinion or roster entry) is repointed to ``keep``,
    ``remove`` is deleted and ``keep`` stores the number in its normal form;
    each of these writes keeps history with the reason. Refused while
    ``remove`` sits in an open case of another household: which of the two
    applications stands is for the case's handlers to decide first.
    Only a user holding ``workflows.merge_member`` over both records (the
    city administrator, a superuser) may merge.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("合并人员记录须写明理由。")})
    if keep.pk == remove.pk:
        raise ValidationError(_("保留的记录和删除的记录是同一条。"))
    for member in (keep, remove):
        if not by.has_perm(MERGE_PERMISSION, member):
            raise PermissionDenied(_("您无权合并重复登记的人员记录。"))
    # lock both rows, in key order so two merges cannot deadlock
    locked = {
        m.pk: m
        for m in Member.objects.select_for_update()
        .select_related("household")
        .filter(pk__in=[keep.pk, remove.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(_("人员记录已不存在（可能已被合并）。"))
    keep, remove = locked[keep.pk], locked[remove.pk]
    number = idnumber.normalize(keep.id_number)
    if idnumber.normalize(remove.id_number) != number:
        raise ValidationError(
            _("两条记录的身份证号码统一写法后并不相同，不是同一人，不能合并。")
        )
    if remove.household_id != keep.household_id:
        Case = apps.get_model("workflows", "Case")
        open_cases = [
            case.number
            for case in Case.objects.filter(household=remove.household).open()
        ]
        if open_cases:
            raise ValidationError(
                _(
                    "要删除的记录所在家庭有办理中的案件（%(cases)s）：请先由经办人员"
                    "办结或终止该案件，再合并。"
                )
                % {"cases": "、".join(open_cases)}
            )

    note = _("合并重复登记的人员 #%(remove)s → #%(keep)s：%(reason)s") % {
        "remove": remove.pk,
        "keep": keep.pk,
        "reason": reason,
    }
    result = MergeResult(kept=keep, removed_pk=remove.pk)
    with on_behalf_of(by):
        for model, fk, rows in _references_to(remove):
            for row in rows:
                # only the foreign key changes, to a row that exists; the
                # rest of an old record is not re-validated here
                setattr(row, fk.attname, keep.pk)
                row._change_reason = note
                row.save(update_fields=[fk.attname])
                label = model._meta.label
                result.moved[label] = result.moved.get(label, 0) + 1
        household = remove.household
        remove._change_reason = note
        remove.delete()
        if not household.members.exists():
            result.emptied_household = household
        keep.id_number = number
        keep.full_clean()
        keep._change_reason = note
        keep.save()
    return result
