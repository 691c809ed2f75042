"""django-import-export's resource of the registry's members: the stock
row-by-row import, for administrators in the admin (with its preview) and as
the benchmark's baseline (bench/imports.py).

Its Chinese columns are those of the staff import, except that a member
names an existing household by its database id (家庭ID): the stock path
imports one model per file. Each row is loaded (by ID number), cleaned
(``full_clean``) and saved one at a time, so each save writes its history
row through simple-history's signal. Staff use the product's path
(``workflows.dataio.registry``): it groups households and members in one
sheet, checks the whole file before writing anything, scopes every row to the
importer's posts and writes in bulk with history.
"""

from import_export import fields, resources, widgets

from ..registry.models import Household, Member
from .cells import CellError, Choices


class ChoiceLabelWidget(widgets.Widget):
    """A choice read by its Chinese label (or short form, or code)."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.read = Choices(choices)
        self.labels = dict(choices)

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return ""
        try:
            return self.read(str(value))
        except CellError as error:
            raise ValueError(error.message) from None

    def render(self, value, obj=None, **kwargs):
        return str(self.labels.get(value, value or ""))


class MemberResource(resources.ModelResource):
    household = fields.Field(
        attribute="household",
        column_name="家庭ID",
        widget=widgets.ForeignKeyWidget(Household, "pk"),
    )
    name = fields.Field(attribute="name", column_name="姓名")
    id_number = fields.Field(attribute="id_number", column_name="身份证号码")
    relation = fields.Field(
        attribute="relation",
        column_name="与户主关系",
        widget=ChoiceLabelWidget(Member.Relation.choices),
    )
    birth_date = fields.Field(
        attribute="birth_date",
        column_name="出生日期",
        widget=widgets.DateWidget("%Y-%m-%d"),
    )
    sex = fields.Field(
        attribute="sex",
        column_name="性别",
        widget=ChoiceLabelWidget(Member.Sex.choices),
    )
    disability_grade = fields.Field(
        attribute="disability_grade",
        column_name="残疾等级",
        widget=widgets.IntegerWidget(),
        default=0,
    )
    employment = fields.Field(
        attribute="employment",
        column_name="就业状况",
        widget=ChoiceLabelWidget(Member.Employment.choices),
    )

    class Meta:
        model = Member
        fields = (
            "household",
            "name",
            "id_number",
            "relation",
            "birth_date",
            "sex",
            "disability_grade",
            "employment",
        )
        import_id_fields = ("id_number",)
        clean_model_instances = True
        skip_unchanged = False
        use_transactions = True
