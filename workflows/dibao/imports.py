"""The 低保 import kind: the existing caseload (存量低保名单), one row per
household already on 低保 when the bureau goes live.

Declared here, by the programme that owns the data, through the shared
import framework's kind registry (``workflows.dataio.kinds``); loaded from
the app's ``ready()`` like the registry's kind. The shared code never names
the programme.

A row names the household by its head's ID number: the household must
already be in the registry (the registry import loads it first). Checked,
with a Chinese reason on the row and column: the ID number, an unknown
household, a member who is not the head, a household outside the
importer's posts (``workflows.import_caseload`` on the household), a
household that already has an open 低保 case or a benefit in force, the
same household twice in the file, the since-date (a date, not in the
future, not before 1999-10-01: ``services.caseload.EARLIEST_SINCE``), the
amount (a number above zero, and at most the district's standard in force
today × the persons covered: the 补差 amount can never exceed it, S2 Art
12, so a larger figure is an error — an annual figure or a column mix-up —
not a warning), the certificate number (given, at most 32 characters, not
twice in the file nor already in the system), the persons covered
(default: the members counted in the household, S1 Art 7) or the one
member of a single-person inclusion, and formula cells.

The commit writes each row as it reads it (``services.caseload_enter``:
the case, its decision, the benefit in force, its end task, all with
history); a case is a multi-table model (Process → Case → Application),
which ``bulk_create`` cannot write, so a row is a few inserts. The
framework undoes every write if any problem turns up.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..benefits.models import Benefit
from ..dataio.cells import date, decimal, integer, not_in_your_registry
from ..dataio.kinds import Column, ImportKind, register
from ..dataio.rows import RowReader
from ..registry import idnumber
from ..registry.models import Member
from ..standards.models import AssistanceStandard
from .models import Application, Decision
from .services.caseload import PERMISSION, caseload_enter, since_problem

HEAD = "户主身份证号码"
SINCE = "低保开始日期"
AMOUNT = "月保障金额"
CERTIFICATE = "低保证编号"
PERSONS = "保障人数"
SINGLE = "单人保对象身份证号码"


class Checks:
    """What the rows are checked against, asked once per household, region
    or standard rather than once per row where it can be."""

    def __init__(self, user):
        self.user = user
        self.allowed: dict[int, bool] = {}  # region id → may import there
        self.standards: dict[tuple[int, str], object] = {}
        self.today = timezone.localdate()

    def may_import(self, household) -> bool:
        if household.region_id not in self.allowed:
            self.allowed[household.region_id] = self.user.has_perm(
                PERMISSION, household
            )
        return self.allowed[household.region_id]

    def standard(self, household):
        district = household.region.district
        key = (district.pk, household.area)
        if key not in self.standards:
            self.standards[key] = (
                AssistanceStandard.objects.in_force(self.today)
                .filter(district=district, area=household.area)
                .first()
            )
        return self.standards[key]


def read_head(reader: RowReader, checks: Checks):
    """The head member the row names, checked; None if the row cannot go on."""
    number = idnumber.normalize(reader.text(HEAD, required=True))
    if not number:
        return None
    try:
        idnumber.validate_id_number(number)
    except ValidationError as error:
        reader.problem(HEAD, " ".join(error.messages))
        return None
    head = (
        Member.objects.select_related("household__region")
        .filter(id_number=number)
        .first()
    )
    # one answer for "not registered" and "registered outside your regions"
    # (an import must not tell who is in the registry, or where)
    if head is None or not checks.may_import(head.household):
        reader.problem(HEAD, not_in_your_registry())
        return None
    if head.relation != Member.Relation.HEAD:
        reader.problem(
            HEAD,
            _("%(name)s在家庭登记中不是户主（%(relation)s），请填写户主的身份证号码。")
            % {"name": head.name, "relation": head.get_relation_display()},
        )
        return None
    return head


def check_household(reader: RowReader, household) -> None:
    """An open 低保 case or a benefit in force: the household is on it."""
    open_case = Application.objects.filter(household=household).open().first()
    if open_case is not None:
        reader.problem(
            HEAD,
            _("该户已有办理中的低保案件%(number)s，不能再导入。")
            % {"number": open_case.number},
        )
    elif Benefit.objects.filter(
        household=household, kind=Application.KIND, status=Benefit.Status.ACTIVE
    ).exists():
        reader.problem(HEAD, _("该户已在低保保障名册中（在保），不能重复导入。"))


def read_persons(reader: RowReader, household):
    """(persons covered, the single member or None)."""
    counted = household.members.filter(exclusion="").count()
    persons = reader.parse(PERSONS, integer)
    number = idnumber.normalize(reader.text(SINGLE))
    member = None
    if number:
        member = household.members.filter(id_number=number).first()
        if member is None:
            reader.problem(
                SINGLE,
                _("该户家庭成员中没有身份证号码为%(number)s的人员。")
                % {"number": number},
            )
        if persons not in (None, 1):
            reader.problem(PERSONS, _("单人保的保障人数应为1。"))
        return 1, member
    if persons is None:
        if not counted:
            reader.problem(
                PERSONS, _("该户没有计入共同生活的家庭成员，请核对家庭登记。")
            )
        return counted, None
    if not 1 <= persons <= counted:
        reader.problem(
            PERSONS,
            _(
                "保障人数应在1到%(counted)d之间（该户计入共同生活的家庭成员%(counted)d人）。"
            )
            % {"counted": counted},
        )
    return persons, None


def read_amount(reader: RowReader, checks: Checks, household, persons):
    amount = reader.parse(AMOUNT, decimal, required=True)
    if amount is None:
        return None
    if amount <= 0:
        reader.problem(AMOUNT, _("月保障金额应大于0。"))
        return amount
    standard = checks.standard(household)
    if standard is None:
        reader.problem(
            AMOUNT,
            _(
                "%(district)s 今天没有有效的%(area)s低保标准，无法核对金额，"
                "请管理员补充。"
            )
            % {
                "district": household.region.district.name,
                "area": household.get_area_display(),
            },
        )
    elif persons and amount > standard.monthly_standard * persons:
        reader.problem(
            AMOUNT,
            _(
                "月保障金额%(amount)s元超过该户低保标准%(standard)s元×保障人数"
                "%(persons)d人=%(limit)s元（补差金额不能超过此数，请核对是否填写了年度金额）。"
            )
            % {
                "amount": amount,
                "standard": standard.monthly_standard,
                "persons": persons,
                "limit": standard.monthly_standard * persons,
            },
        )
    return amount


def process_caseload(stream, *, user, problems, reason=None) -> int:
    """Check every row; with a ``reason`` (the commit) also write each good
    row while no problem has been found. Returns the households written."""
    checks = Checks(user)
    households: dict[int, int] = {}  # household id → first row
    certificates: dict[str, int] = {}  # certificate number → first row
    written = 0
    for row in stream:
        reader = RowReader(row, problems)
        head = read_head(reader, checks)
        since = reader.parse(SINCE, date, required=True)
        if since is not None:
            problem = since_problem(since, today=checks.today)
            if problem:
                reader.problem(SINCE, problem)
        certificate = reader.text(CERTIFICATE, required=True)
        if len(certificate) > 32:
            reader.problem(CERTIFICATE, _("低保证编号不能超过32个字符。"))
        elif certificate in certificates:
            reader.problem(
                CERTIFICATE,
                _("低保证编号与第%(row)d行重复。") % {"row": certificates[certificate]},
            )
        elif certificate:
            certificates[certificate] = row.number
            if Decision.objects.filter(certificate_number=certificate).exists():
                reader.problem(
                    CERTIFICATE,
                    _("低保证编号%(number)s已在系统中使用。") % {"number": certificate},
                )
        if head is None:
            reader.parse(AMOUNT, decimal, required=True)  # still name a bad cell
            continue
        household = head.household
        if household.pk in households:
            reader.problem(
                HEAD,
                _("该户与第%(row)d行为同一家庭，每户只能填写一行。")
                % {"row": households[household.pk]},
            )
            continue
        households[household.pk] = row.number
        check_household(reader, household)
        persons, member = read_persons(reader, household)
        amount = read_amount(reader, checks, household, persons)
        if reason is None or problems or not reader.ok:
            continue
        caseload_enter(
            user=user,
            head=head,
            since=since,
            monthly_amount=amount,
            certificate_number=certificate,
            persons=persons,
            member=member,
            reason=reason,
        )
        written += 1
    return 0 if problems else written


CASELOAD = register(
    ImportKind(
        name="dibao.caseload",
        title=gettext_lazy("导入存量低保名单"),
        permission=PERMISSION,
        description=gettext_lazy(
            "每行一户已享受低保的家庭，按户主身份证号码对应已登记的家庭"
            "（请先导入家庭及成员）。导入后每户成为已批准的低保案件，"
            "依据为“导入存量名单”，列入保障名册。"
        ),
        columns=(
            Column(HEAD, True, gettext_lazy("18位，请设为文本格式"), text=True),
            Column(SINCE, True, gettext_lazy("如 2024-05-01")),
            Column(AMOUNT, True, gettext_lazy("元/月，全户合计")),
            Column(CERTIFICATE, True),
            Column(
                PERSONS,
                False,
                gettext_lazy("可不填：默认为计入共同生活的全部家庭成员"),
            ),
            Column(
                SINGLE,
                False,
                gettext_lazy("仅单人保填写：被保障成员的身份证号码"),
                text=True,
            ),
        ),
        example=(
            ("370402199001011234", "2024-05-01", "1200", "370402-2024-000001", "", ""),
        ),
        process=process_caseload,
    )
)
