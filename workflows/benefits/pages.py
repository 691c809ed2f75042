"""Pages of the low-income register (低收入人口): the register list, a
household's page with its one assistance chain, entering and taking out a
household by hand, and the standard raises (提标)."""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.views import ListModelView

from ..base.edge import parse_id
from ..base.fields import TEXT_MAX
from ..base.masking import mask_id_number
from ..core.selectors import households_visible_to
from ..exports.lists import ExportMixin
from ..standards.models import AssistanceStandard
from . import raises, register, selectors
from .models import RegisterEntry

Category = RegisterEntry.Category


class RegisterFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(
        label=gettext_lazy("类别"), choices=Category.choices
    )
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"),
        choices=[("ended", gettext_lazy("已退出")), ("all", gettext_lazy("全部"))],
        empty_label=gettext_lazy("在册"),
        method="filter_state",
    )

    class Meta:
        model = RegisterEntry
        fields = ["category"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(ended_on__isnull=False) if value == "ended" else queryset


def household_link(household):
    url = reverse("register:household", kwargs={"household_pk": household.pk})
    head = household.head
    return format_html('<a href="{}">{}</a>', url, head.name if head else "—")


class RegisterListView(ExportMixin, ListModelView):
    """低收入人口名册: the entries in the user's regions (open ones unless the
    state filter says otherwise), each with the household's head, village,
    class, since, until, source case and the amount in force this month."""

    flow_class = None
    model = RegisterEntry
    title = gettext_lazy("低收入人口名册")
    columns = (
        "household_name",
        "village",
        "label",
        "since",
        "ended_on",
        "source_case",
        "amount",
    )
    filterset_class = RegisterFilter
    paginate_by = 50

    def has_view_permission(self, user, obj=None):
        return user.has_perm(selectors.VIEW_REGISTER)

    def get_queryset(self):
        self.queryset = selectors.register_visible_to(
            self.request.user,
            include_ended=self.request.GET.get("state") in ("ended", "all"),
        )
        return super().get_queryset()

    def household_name(self, entry):
        return household_link(entry.household)

    household_name.short_description = gettext_lazy("户主")

    def village(self, entry):
        return f"{entry.region.parent.name} {entry.region.name}"

    village.short_description = gettext_lazy("村（社区）")

    def label(self, entry):
        return entry.label

    label.short_description = gettext_lazy("类别")

    def source_case(self, entry):
        if entry.case is None:
            return _("工作人员纳入")
        return format_html(
            '<a href="{}">{}</a>', entry.case.get_absolute_url(), entry.case.number
        )

    source_case.short_description = gettext_lazy("来源案件")

    def amount(self, entry):
        if entry.benefit_id is None or entry.ended_on:
            return ""
        return entry.amount_in_month

    amount.short_description = gettext_lazy("本月保障金额（元）")


def _household(request, household_pk):
    return get_object_or_404(
        households_visible_to(request.user).select_related("region__parent"),
        pk=household_pk,
    )


class HouseholdView(generic.TemplateView):
    """The household: members (ID masked), register entries, and its one
    assistance chain — every case of every programme (alerts among them),
    who decided, every benefit with its amounts over time and state."""

    template_name = "workflows/benefits/household.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        household = _household(self.request, kwargs["household_pk"])
        members = list(household.members.all())
        for m in members:
            m.shown_id = mask_id_number(m.id_number)
        chain = selectors.household_chain(household=household, user=user)
        return super().get_context_data(
            household=household,
            members=members,
            can_change=user.has_perm(selectors.CHANGE_REGISTER, household),
            entry_form=RegisterEntryForm(),
            by_hand=register.BY_HAND,
            today=timezone.localdate(),
            **chain,
            **kwargs,
        )


class RegisterEntryForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("类别"),
        choices=[(c, Category(c).label) for c in register.BY_HAND],
    )
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RegisterEnterView(generic.View):
    """POST: enter the household as marginal or in hardship, with a reason."""

    def post(self, request, household_pk):
        household = _household(request, household_pk)
        # who may not enter households is refused before the form is read
        if not request.user.has_perm(selectors.CHANGE_REGISTER, household):
            raise PermissionDenied
        form = RegisterEntryForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("请选择类别并写明理由。"))
            register.register_entry_add(
                household=household,
                user=request.user,
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("已纳入低收入人口名册。"))
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        return HttpResponseRedirect(
            reverse("register:household", kwargs={"household_pk": household.pk})
        )


class RegisterLeaveView(generic.View):
    """POST: take one of the household's marginal or hardship entries out,
    with a reason (the entry is named in the form, looked up in the
    household)."""

    def post(self, request, household_pk):
        household = _household(request, household_pk)
        if not request.user.has_perm(selectors.CHANGE_REGISTER, household):
            raise PermissionDenied
        entry = get_object_or_404(
            household.register_entries, pk=parse_id(request.POST.get("entry"))
        )
        try:
            register.register_entry_leave(
                entry=entry, user=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("已移出低收入人口名册。"))
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        return HttpResponseRedirect(
            reverse("register:household", kwargs={"household_pk": household.pk})
        )


def standards_to_raise(user):
    """The standards of the districts where ``user`` may apply a raise, not
    applied yet, newest first."""
    qs = AssistanceStandard.objects.filter(raise_run__isnull=True).select_related(
        "district"
    )
    if not user.is_superuser:
        from roles.scope import region_q

        qs = qs.filter(region_q(user, selectors.APPLY_RAISE, "district__path"))
    return qs.order_by("-valid_from", "district__code", "area")


class RaiseListView(generic.TemplateView):
    """提标重算: the raises applied in the user's districts, and the standards
    that may still be applied (one button each)."""

    template_name = "workflows/benefits/raises.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(selectors.VIEW_REGISTER):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            runs=selectors.raises_visible_to(user)[:100],
            standards=standards_to_raise(user)[:50]
            if user.has_perm(selectors.APPLY_RAISE)
            else [],
            **kwargs,
        )

    def post(self, request):
        standard = get_object_or_404(
            standards_to_raise(request.user), pk=parse_id(request.POST.get("standard"))
        )
        try:
            run = raises.standard_raise_start(standard=standard, user=request.user)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return HttpResponseRedirect(reverse("register:raises"))
        messages.success(request, _("已开始提标重算。"))
        return HttpResponseRedirect(
            reverse("register:raise", kwargs={"raise_pk": run.pk})
        )


class RaiseDetailView(generic.TemplateView):
    """One raise: who, when, counts, and the households whose amount changed
    or that were not recomputed."""

    template_name = "workflows/benefits/raise_detail.html"

    def get_context_data(self, **kwargs):
        run = get_object_or_404(
            selectors.raises_visible_to(self.request.user), pk=kwargs["raise_pk"]
        )
        lines = run.lines.select_related(
            "benefit__household", "benefit__region__parent", "benefit__case"
        ).prefetch_related("benefit__household__members")
        return super().get_context_data(
            run=run,
            lines=lines,
            month=formats.date_format(run.standard.valid_from, "YEAR_MONTH_FORMAT"),
            **kwargs,
        )
