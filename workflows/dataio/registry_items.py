"""The registry's other imports: members' income items and households'
assets, each row keyed by an ID number already in the registry (a member's
own for an income, the head's for an asset).

Rows are read in batches of 500: one query finds the batch's people, the
importer's scope is asked once per village, each row is checked as the model
checks it (``clean_fields`` and ``clean``) and, at the commit, the batch is
written with history (``bulk_create``) until a problem is found (the caller
then undoes every write).
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base.history import bulk_create
from ..registry import idnumber
from ..registry.models import Asset, IncomeItem, Member
from .cells import Choices, decimal, integer, not_in_your_registry, yes_no
from .kinds import Column, ImportKind, register
from .registry import PERMISSION
from .rows import RowReader

ID_NUMBER = "身份证号码"
HEAD_ID_NUMBER = "户主身份证号码"
INCOME_TYPE = "收入类型"
MONTHLY = "月均金额（元）"
NOTE = "说明"
ASSET_KIND = "财产类型"
VALUE = "价值（元）"
QUANTITY = "数量"
EXEMPT = "生活必需（豁免）"
BATCH = 500

asset_kinds = Choices(Asset.Kind.choices)


class IncomeTypes:
    """An income type by its name or its code."""

    def __init__(self):
        IncomeType = apps.get_model("workflows", "IncomeType")
        self.lookup = {}
        for income_type in IncomeType.objects.all():
            self.lookup[income_type.code] = income_type.pk
            self.lookup[income_type.name] = income_type.pk
        self.names = [t.name for t in IncomeType.objects.order_by("pk")]

    def __call__(self, text):
        from .cells import CellError

        pk = self.lookup.get(text.strip())
        if pk is None:
            raise CellError(
                _("“%(value)s”不是收入类型；可选：%(choices)s。")
                % {"value": text, "choices": "、".join(self.names)}
            )
        return pk


def _process_keyed(stream, *, user, problems, reason, key_column, build, model):
    """Batches of rows: ``build(reader, member)`` → an unsaved ``model``
    instance or None (the problem noted)."""
    allowed: dict[int, bool] = {}
    written = 0
    writing = reason is not None

    def run(batch):
        nonlocal written, writing
        numbers = {idnumber.normalize(r[key_column]) for r in batch}
        people = {
            m.id_number: m
            for m in Member.objects.filter(id_number__in=numbers).select_related(
                "household__region"
            )
        }
        objects = []
        for row in batch:
            reader = RowReader(row, problems)
            number = idnumber.normalize(reader.text(key_column, required=True))
            member = people.get(number)
            if member is not None:
                region = member.household.region
                if region.pk not in allowed:
                    allowed[region.pk] = user.has_perm(PERMISSION, member.household)
                if not allowed[region.pk]:
                    member = None
            if number and member is None:
                # one answer for "not registered" and "registered outside your
                # regions": an import must not tell who is in the registry, or
                # where, beyond the importer's own regions
                reader.problem(key_column, not_in_your_registry())
            instance = build(reader, member)
            if instance is not None and reader.ok:
                try:
                    # the related rows were just read: no query per key
                    instance.full_clean(exclude=RELATED[model], validate_unique=False)
                except ValidationError as error:
                    reader.model_errors(error, COLUMNS[model])
                else:
                    objects.append(instance)
        if writing and problems:
            writing = False  # it will all be undone
        if writing and objects:
            bulk_create(model, objects, reason=reason, batch_size=BATCH)
            written += len(objects)

    batch = []
    for row in stream:
        batch.append(row)
        if len(batch) >= BATCH:
            run(batch)
            batch = []
    if batch:
        run(batch)
    return written if writing and not problems else 0


RELATED = {IncomeItem: ["member", "income_type"], Asset: ["household"]}
COLUMNS = {
    IncomeItem: {
        "member": ID_NUMBER,
        "income_type": INCOME_TYPE,
        "monthly_amount": MONTHLY,
        "note": NOTE,
    },
    Asset: {
        "household": HEAD_ID_NUMBER,
        "kind": ASSET_KIND,
        "value": VALUE,
        "quantity": QUANTITY,
        "is_exempt": EXEMPT,
        "note": NOTE,
    },
}


def process_incomes(stream, *, user, problems, reason=None) -> int:
    types = IncomeTypes()

    def build(reader, member):
        income_type = reader.parse(INCOME_TYPE, types, required=True)
        amount = reader.parse(MONTHLY, decimal, required=True)
        note = reader.text(NOTE)
        if member is None or not reader.ok:
            return None
        return IncomeItem(
            member=member, income_type_id=income_type, monthly_amount=amount, note=note
        )

    return _process_keyed(
        stream,
        user=user,
        problems=problems,
        reason=reason,
        key_column=ID_NUMBER,
        build=build,
        model=IncomeItem,
    )


def process_assets(stream, *, user, problems, reason=None) -> int:
    def build(reader, member):
        kind = reader.parse(ASSET_KIND, asset_kinds, required=True)
        value = reader.parse(VALUE, decimal, required=True)
        quantity = reader.parse(QUANTITY, integer, default=1)
        exempt = reader.parse(EXEMPT, yes_no, default=False)
        note = reader.text(NOTE)
        if member is not None and member.relation != Member.Relation.HEAD:
            reader.problem(
                HEAD_ID_NUMBER,
                _("%(name)s不是户主，请填写户主的身份证号码。") % {"name": member.name},
            )
        if member is None or not reader.ok:
            return None
        return Asset(
            household=member.household,
            kind=kind,
            value=value,
            quantity=quantity,
            is_exempt=exempt,
            note=note,
        )

    return _process_keyed(
        stream,
        user=user,
        problems=problems,
        reason=reason,
        key_column=HEAD_ID_NUMBER,
        build=build,
        model=Asset,
    )


INCOMES = register(
    ImportKind(
        name="registry.incomes",
        title=gettext_lazy("导入家庭成员收入"),
        permission=PERMISSION,
        description=gettext_lazy(
            "每行一项收入：已登记成员的身份证号码、收入类型、近12个月的月均金额。"
        ),
        columns=(
            Column(ID_NUMBER, True, gettext_lazy("已登记的成员，请设为文本格式"), True),
            Column(INCOME_TYPE, True, gettext_lazy("收入类型的名称或代码")),
            Column(MONTHLY, True, gettext_lazy("如 1200.50")),
            Column(NOTE),
        ),
        process=process_incomes,
    )
)

ASSETS = register(
    ImportKind(
        name="registry.assets",
        title=gettext_lazy("导入家庭财产"),
        permission=PERMISSION,
        description=gettext_lazy("每行一项财产，以户主的身份证号码确定家庭。"),
        columns=(
            Column(HEAD_ID_NUMBER, True, gettext_lazy("请设为文本格式"), True),
            Column(
                ASSET_KIND, True, gettext_lazy("存款、有价证券及商业保险、机动车辆……")
            ),
            Column(VALUE, True),
            Column(QUANTITY, False, gettext_lazy("不填为1")),
            Column(EXEMPT, False, gettext_lazy("是 / 否")),
            Column(NOTE),
        ),
        process=process_assets,
    )
)
