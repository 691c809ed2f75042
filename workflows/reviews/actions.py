"""Two records of a household in force that are not steps of a review: a
work refusal (S1 Art 34; the third opens a reduction) and a change of review
class (S1 Art 31; the next review date moves). Each page lists only the
households of the user's regions; the services check the permission on the
household's benefit again."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from . import forms
from .scheduling import review_class_change, work_refusal_record

PERM = forms.PERM


class ActionView(FormView):
    """A form page for who may open reviews somewhere; the service decides
    for the household chosen."""

    template_name = "workflows/reviews/action.html"
    title = ""
    intro = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERM):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": self.title,
            "intro": self.intro,
        }

    def form_valid(self, form):
        try:
            message = self.perform(form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    target = field if field in form.fields else None
                    for error in errors:
                        form.add_error(target, error)
            else:
                for error in exc.messages:
                    form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, message, fail_silently=True)
        return HttpResponseRedirect(self.request.path)


class WorkRefusalView(ActionView):
    form_class = forms.WorkRefusalForm
    title = gettext_lazy("记录拒绝就业")
    intro = gettext_lazy(
        "有劳动能力的成员无正当理由拒绝介绍的与其健康状况、劳动能力等相适应的工作，"
        "每次记录；达到区（市）规定次数的，系统发起复核，拟减发其本人的保障金。"
    )

    def perform(self, data):
        member = data["member"]
        benefit = (
            forms.benefits_for(self.request.user, PERM)
            .filter(household_id=member.household_id)
            .order_by("pk")
            .first()
        )
        if benefit is None:
            raise ValidationError({"member": _("该成员的家庭没有在保的救助。")})
        refusal = work_refusal_record(
            benefit=benefit,
            member=member,
            refused_on=data["refused_on"],
            job_offered=data["job_offered"],
            user=self.request.user,
        )
        refusal.refresh_from_db()
        if refusal.review_id:
            return _("已记录。拒绝次数已达规定，已发起复核 %(number)s。") % {
                "number": refusal.review.number
            }
        return _("已记录 %(name)s 的拒绝就业情况。") % {"name": member.name}


class ReviewClassView(ActionView):
    form_class = forms.ReviewClassForm
    title = gettext_lazy("调整复核类别")
    intro = gettext_lazy(
        "按家庭收入和成员劳动能力分类：基本稳定的每年复核，收入不稳定或有劳动能力的每半年复核；"
        "调整后，下次复核日期自今日按新类别的周期重新计算。"
    )

    def perform(self, data):
        benefit = review_class_change(
            benefit=data["benefit"],
            review_class=data["review_class"],
            reason=data["reason"],
            user=self.request.user,
        )
        return _("已调整复核类别，下次复核日期 %(day)s。") % {
            "day": benefit.next_review_on.isoformat()
        }
