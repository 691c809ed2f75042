"""Who manages whom: the rule behind the supervisor's workspace (工作管理).

A supervisor holds ``workflows.manage_case`` on a post; they manage the
regions under those posts and the staff whose posts lie there. The account
pages (lockouts, in ``roles.accounts``) and the work pages (reassignment,
leave, grants, in ``workflows.work``) share this rule, the gate of their pages
and the reason every change asks for.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.base.fields import TEXT_MAX

from .models import Post
from .scope import user_posts

MANAGE = "workflows.manage_case"


def managed_paths(user):
    """Region paths where ``user`` holds the manage permission."""
    return [p.path for p in user_posts(user) if MANAGE in p.perms]


def under(paths, field):
    """SQL filter: ``field`` (a region path) lies under one of ``paths``."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def posts_under(manager):
    return Post.objects.active().filter(under(managed_paths(manager), "region__path"))


def staff_of(manager):
    """Active staff with a post in the manager's regions (every active user
    for a superuser), as a queryset without order."""
    users = get_user_model().objects.filter(is_active=True)
    if not manager.is_superuser:
        users = users.filter(posts__in=posts_under(manager))
    return users


def may_manage_person(by, user):
    """A supervisor manages the people whose posts lie in their region."""
    if by.is_superuser:
        return True
    region = Q(pk__in=[])
    for post in user_posts(by):
        if MANAGE in post.perms:
            region |= Q(region__path__startswith=post.path)
    return user.posts.active().filter(region).exists()


REASON = forms.CharField(
    label=gettext_lazy("理由"),
    widget=forms.Textarea(attrs={"rows": 2}),
    max_length=TEXT_MAX,
)


class WorkMixin:
    """Pages of the workspace; each needs the manage permission somewhere."""

    def dispatch(self, request, *args, **kwargs):
        if not (request.user.is_superuser or managed_paths(request.user)):
            raise PermissionDenied(_("仅各级负责人可以使用工作管理。"))
        return super().dispatch(request, *args, **kwargs)

    def url(self, name, *args):
        return reverse(f"work:{name}", args=args)
