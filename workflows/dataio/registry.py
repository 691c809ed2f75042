"""The registry's import: households with their members, one row per member.

Members are grouped by the file's household key (户编号, a number of the
file only, not stored): the household's own columns (village code, address,
urban/rural, phone) are read from its head's row (与户主关系 = 户主). Every
row is checked as the model would check it (``clean_fields`` and ``clean``),
uniqueness of the ID number in bulk (against the file and the registry, a
query per 500 numbers), the village against the importer's posts
(``workflows.import_registry`` on a household of that village: a town
caseworker imports only their town's households).

One pass over the file, kept small (the ID numbers and where each household
key is used, not the rows): the preview only checks; the commit also writes
households and members in batches as it reads (``bulk_create`` with history)
until a problem is found, and the caller undoes everything if one is.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base.history import bulk_create
from ..base.masking import mask_id_number
from ..registry import idnumber
from ..registry.models import Area, Household, Member
from .cells import Choices, date, integer, yes_no
from .kinds import Column, ImportKind, register
from .rows import RowReader

PERMISSION = "workflows.import_registry"
KEY = "户编号"
VILLAGE = "所在村（社区）代码"
ADDRESS = "住址"
AREA = "城乡类别"
PHONE = "联系电话"
NAME = "姓名"
ID_NUMBER = "身份证号码"
RELATION = "与户主关系"
BIRTH = "出生日期"
SEX = "性别"
GRADE = "残疾等级"
DISABILITY = "残疾类别"
ILLNESS = "患重特大疾病"
ILLNESS_NOTE = "疾病情况"
EMPLOYMENT = "就业状况"
EXCLUSION = "家庭成员认定"

MEMBER_COLUMNS = {
    "name": NAME,
    "id_number": ID_NUMBER,
    "relation": RELATION,
    "birth_date": BIRTH,
    "sex": SEX,
    "disability_grade": GRADE,
    "disability_kind": DISABILITY,
    "major_illness": ILLNESS,
    "illness_note": ILLNESS_NOTE,
    "employment": EMPLOYMENT,
    "exclusion": EXCLUSION,
}
HOUSEHOLD_COLUMNS = {"address": ADDRESS, "area": AREA, "phone": PHONE}
BATCH = 2000
LOOKUP_BATCH = 500

relations = Choices(Member.Relation.choices)
sexes = Choices(Member.Sex.choices)
areas = Choices(Area.choices)
disabilities = Choices([c for c in Member.DisabilityKind.choices if c[0]])
employments = Choices(Member.Employment.choices)
exclusions = Choices([c for c in Member.Exclusion.choices if c[0]])


class Villages:
    """Village codes → regions, and whether the importer may import there
    (one permission check per village, not per row)."""

    def __init__(self, user):
        Region = apps.get_model("roles", "Region")
        self.user = user
        self.by_code = {
            r.code: r for r in Region.objects.only("code", "name", "level", "path")
        }
        self.allowed = {}

    def check(self, code: str, reader: RowReader):
        region = self.by_code.get(code)
        if region is None:
            reader.problem(
                VILLAGE, _("未知的行政区划代码“%(code)s”。") % {"code": code}
            )
            return None
        if region.level != "village":
            reader.problem(
                VILLAGE,
                _("“%(name)s”（%(code)s）不是村（社区），请填写12位村（社区）代码。")
                % {"name": region.name, "code": code},
            )
            return None
        if region.pk not in self.allowed:
            probe = Household(region=region)
            self.allowed[region.pk] = self.user.has_perm(PERMISSION, probe)
        if not self.allowed[region.pk]:
            reader.problem(
                VILLAGE,
                _("“%(name)s”（%(code)s）不在您的辖区内，不能导入该户。")
                % {"name": region.name, "code": code},
            )
            return None
        return region


def read_member(reader: RowReader) -> dict:
    """The member's fields from the row, checked as the model checks them."""
    fields = {
        "name": reader.text(NAME, required=True),
        "id_number": idnumber.normalize(reader.text(ID_NUMBER, required=True)),
        "relation": reader.parse(RELATION, relations, required=True, default=""),
        "birth_date": reader.parse(BIRTH, date),
        "sex": reader.parse(SEX, sexes, default=""),
        "disability_grade": reader.parse(GRADE, integer, default=0),
        "disability_kind": reader.parse(DISABILITY, disabilities, default=""),
        "major_illness": reader.parse(ILLNESS, yes_no, default=False),
        "illness_note": reader.text(ILLNESS_NOTE),
        "employment": reader.parse(EMPLOYMENT, employments, required=True, default=""),
        "exclusion": reader.parse(EXCLUSION, exclusions, default=""),
    }
    number = fields["id_number"]
    try:
        idnumber.validate_id_number(number)
    except ValidationError as error:
        reader.problem(ID_NUMBER, " ".join(error.messages))
        return fields
    # derived from the number when not given (and checked against it if given)
    fields["birth_date"] = fields["birth_date"] or idnumber.birth_date(number)
    fields["sex"] = fields["sex"] or idnumber.sex(number)
    if reader.ok:
        member = Member(**fields)
        try:
            # the number was checked above; clean() checks the rest against it
            member.clean_fields(exclude=["household", "id_number"])
            member.clean()
        except ValidationError as error:
            reader.model_errors(error, MEMBER_COLUMNS)
    return fields


class Writer:
    """Writes households and members as the file is read, in batches, with
    history. A member waits for its household's row (its head) if that
    comes later in the file."""

    def __init__(self, reason: str):
        self.reason = reason
        self.household_of: dict[str, int] = {}
        self.heads: list[tuple[str, Household]] = []
        self.members: list[tuple[str, dict]] = []
        self.written = 0

    def flush(self) -> None:
        if self.heads:
            households = [h for _key, h in self.heads]
            bulk_create(Household, households, reason=self.reason, batch_size=BATCH)
            for key, household in self.heads:
                self.household_of[key] = household.pk
            self.heads = []
        ready, waiting = [], []
        for key, fields in self.members:
            pk = self.household_of.get(key)
            if pk is None:
                waiting.append((key, fields))
            else:
                ready.append(Member(household_id=pk, **fields))
        if ready:
            bulk_create(Member, ready, reason=self.reason, batch_size=BATCH)
            self.written += len(ready)
        self.members = waiting


def process_households(stream, *, user, problems, reason=None) -> int:
    """Check every row (problems into ``problems``); with a ``reason``, also
    write as long as no problem has been found (the caller rolls everything
    back if one is found later). Returns the members written."""
    villages = Villages(user)
    writer = Writer(reason) if reason is not None else None
    head_rows: dict[str, int] = {}
    others: dict[str, list[int]] = {}  # key → rows of members other than the head
    seen: dict[str, int] = {}  # ID number → first row
    pending: list[str] = []

    def against_registry():
        found = Member.objects.filter(id_number__in=pending).values_list(
            "id_number", flat=True
        )
        for number in found:
            problems.add(
                seen[number],
                ID_NUMBER,
                _("身份证号码%(number)s已在系统中登记，不能重复导入。")
                % {"number": mask_id_number(number)},
            )
        pending.clear()

    for row in stream:
        reader = RowReader(row, problems)
        key = reader.text(KEY, required=True)
        fields = read_member(reader)
        number = fields["id_number"]
        if number:
            if number in seen:
                reader.problem(
                    ID_NUMBER,
                    _("身份证号码与第%(row)d行重复。") % {"row": seen[number]},
                )
            else:
                seen[number] = row.number
                pending.append(number)
                if len(pending) >= LOOKUP_BATCH:
                    against_registry()
        if not key:
            continue
        if fields["relation"] == Member.Relation.HEAD:
            if key in head_rows:
                reader.problem(
                    RELATION,
                    _("户编号“%(key)s”已有户主（第%(row)d行），一户只能有一位户主。")
                    % {"key": key, "row": head_rows[key]},
                )
                continue
            head_rows[key] = row.number
            household = check_household(reader, villages)
            if writer is not None and household is not None:
                writer.heads.append((key, Household(**household)))
        else:
            others.setdefault(key, []).append(row.number)
        if writer is not None and reader.ok:
            writer.members.append((key, fields))
            if len(writer.members) >= BATCH:
                if pending:
                    against_registry()  # before any of them is written
                if problems:
                    writer = None  # nothing more to write: it will be undone
                else:
                    writer.flush()
    if pending:
        against_registry()
    for key, rows in others.items():
        if key not in head_rows:
            for number in rows:
                problems.add(
                    number,
                    KEY,
                    _(
                        "户编号“%(key)s”没有户主行（与户主关系为“户主”），"
                        "该成员找不到所属家庭。"
                    )
                    % {"key": key},
                )
    if writer is None or problems:
        return 0
    writer.flush()
    return writer.written


def check_household(reader: RowReader, villages: Villages) -> dict | None:
    code = reader.text(VILLAGE, required=True)
    region = villages.check(code, reader) if code else None
    fields = {
        "address": reader.text(ADDRESS, required=True),
        "area": reader.parse(AREA, areas, required=True, default=""),
        "phone": reader.text(PHONE),
    }
    if region is None:
        return None
    household = Household(region=region, **fields)
    try:
        household.clean_fields(exclude=["region"])
    except ValidationError as error:
        reader.model_errors(error, HOUSEHOLD_COLUMNS)
        return None
    return {"region_id": region.pk, **fields}


HOUSEHOLDS = register(
    ImportKind(
        name="registry.households",
        title=gettext_lazy("导入家庭及成员"),
        permission=PERMISSION,
        description=gettext_lazy(
            "每行一名家庭成员；同一户的成员填写相同的“户编号”（仅用于本文件内分组），"
            "户主行填写家庭的村（社区）代码、住址、城乡类别和联系电话。"
        ),
        columns=(
            Column(KEY, True, gettext_lazy("本文件内的分组编号，如 1、2、3")),
            Column(VILLAGE, False, gettext_lazy("12位村（社区）代码，户主行必填")),
            Column(ADDRESS, False, gettext_lazy("户主行必填")),
            Column(AREA, False, gettext_lazy("城市 / 农村，户主行必填")),
            Column(PHONE),
            Column(NAME, True),
            Column(ID_NUMBER, True, gettext_lazy("18位，请设为文本格式"), text=True),
            Column(RELATION, True, gettext_lazy("户主、配偶、子女、父母……")),
            Column(BIRTH, False, gettext_lazy("可不填，按身份证号码取得")),
            Column(SEX, False, gettext_lazy("可不填，按身份证号码取得")),
            Column(GRADE, False, gettext_lazy("0–4，无残疾填0或不填")),
            Column(DISABILITY),
            Column(ILLNESS, False, gettext_lazy("是 / 否")),
            Column(ILLNESS_NOTE),
            Column(EMPLOYMENT, True),
            Column(EXCLUSION),
        ),
        example=(
            (
                "1",
                "370402106201",
                "龚庄村1号",
                "农村",
                "13800000000",
                "张三",
                "370402199001011234",
                "户主",
                "",
                "",
                "",
                "",
                "否",
                "",
                "务农",
                "",
            ),
        ),
        process=process_households,
    )
)
