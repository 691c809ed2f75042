"""Who may give whom which power on one case: the declared grant map.

A supervisor's tools change who may act on a case — a grant of one case, a
reassigned task, a substitute during leave, a member unit invited to a
meeting. None of them may create a power the statute does not give: a town
supervisor must not make themself the confirmer of a case of their town, and
nobody may hand the decision to the person who investigated it.

"Grant only what your own role holds" does not fit the role matrix (a
district supervisor does not confirm; a town supervisor does not investigate),
so each programme's flow declares its map as data (``Flow.grant_rules``): a
``GrantRule`` says which posts (roles) covering the case may give which of the
programme's permissions, and how far away the receiver may work. On top of
every rule:

- nobody grants or moves work to themself;
- the receiver must hold a post in force whose role could hold the power
  ("whose post could hold it"), within the rule's reach — or, for a rule made
  for units, be a member unit's group the flow accepts;
- the flow's separation-of-duties rule (``step_conflict``) must not exclude
  the receiver (relatives; investigator ≠ confirmer ≠ decider).

The spine never names a programme: it reads the rules from the case's flow.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from roles.scope import user_posts

# How far from the grantor the receiver's qualifying post may lie.
GRANTOR_REGION = "grantor_region"  # under the grantor's own post (town, district)
ANYWHERE = "anywhere"  # any region (an auditor or colleague from elsewhere)


@dataclass(frozen=True)
class GrantRule:
    """Posts of the roles ``by`` covering a case may give ``perms`` on it.

    ``reach`` limits where the receiver's qualifying post may be; ``to_units``
    makes the rule about member units' groups instead of people.
    """

    perms: frozenset
    by: frozenset
    reach: str = GRANTOR_REGION
    to_units: bool = False
    note: str = field(default="", compare=False)

    def __init__(self, *, perms, by, reach=GRANTOR_REGION, to_units=False, note=""):
        object.__setattr__(self, "perms", frozenset(perms))
        object.__setattr__(self, "by", frozenset(by))
        object.__setattr__(self, "reach", reach)
        object.__setattr__(self, "to_units", to_units)
        object.__setattr__(self, "note", note)


def flow_of(case):
    """The flow instance a case runs in."""
    return case.flow_class.instance


def rules_of(case):
    return tuple(getattr(flow_of(case), "grant_rules", ()))


def _grantor_posts(by, case, rule):
    """``by``'s posts of the rule's roles that cover the case."""
    path = case.region.path
    return [p for p in user_posts(by) if p.role in rule.by and path.startswith(p.path)]


def grantable(by, case, to_units=False):
    """``{perm: [grantor post paths]}``: what ``by`` may give on ``case`` and
    from which of their posts (the receiver's reach is measured from them)."""
    found = {}
    for rule in rules_of(case):
        if rule.to_units != to_units:
            continue
        if by.is_superuser:
            paths = [""]  # the whole city
        else:
            paths = [p.path for p in _grantor_posts(by, case, rule)]
        if not paths:
            continue
        for perm in rule.perms:
            reach = [""] if rule.reach == ANYWHERE else paths
            found.setdefault(perm, set()).update(reach)
    return found


def grantable_anywhere(by):
    """Every permission some rule of some flow lets ``by``'s roles give (the
    choices a grant form offers; each grant is then checked on its case)."""
    from workflows.core.flow import project_flows

    roles = {p.role for p in user_posts(by)}
    perms = set()
    for flow_class in project_flows():
        for rule in getattr(flow_class.instance, "grant_rules", ()):
            if not rule.to_units and (by.is_superuser or rule.by & roles):
                perms |= rule.perms
    return perms


def _name(user):
    return user.get_full_name() or user.username


ACTIONS = {
    "view": _l("查看"),
    "add": _l("新增"),
    "change": _l("修改"),
    "delete": _l("删除"),
    "manage": _l("管理"),
}


def permission_label(permission):
    """A permission as people read it, in their language. Django names its
    default permissions in English when it creates them ("Can view 提级复审");
    the project's own carry their Chinese source text: both are shown
    translated."""
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if action in ACTIONS and model is not None and model_name == model._meta.model_name:
        return f"{ACTIONS[action]}{model._meta.verbose_name}"
    return gettext(permission.name)


def _perm_label(perm):
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = perm.split(".")
    row = (
        Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        .select_related("content_type")
        .first()
    )
    return permission_label(row) if row else perm


def could_hold(user, perm, paths):
    """Does ``user`` hold a post in force, of a role that includes ``perm``,
    under one of ``paths`` (``""`` = anywhere)?"""
    for post in user_posts(user):
        if perm in post.perms and any(post.path.startswith(p) for p in paths):
            return True
    return False


def grant_refusal(*, by, user, perm, case):
    """Why ``by`` may not give ``user`` the power ``perm`` on ``case`` (text),
    or None when the grant map allows it."""
    if by.pk == user.pk:
        return _("不能给自己授权或改派给自己。")
    if not user.is_active:
        return _("%(name)s 的账号已停用。") % {"name": _name(user)}
    paths = grantable(by, case).get(perm)
    if not paths:
        return _("您的岗位不能在案件 %(case)s 上授予“%(perm)s”。") % {
            "case": case.number,
            "perm": _perm_label(perm),
        }
    if not could_hold(user, perm, paths):
        return _(
            "%(name)s 没有可办理“%(perm)s”的在岗岗位"
            "（或岗位不在您的辖区内），不能授予。"
        ) % {"name": _name(user), "perm": _perm_label(perm)}
    return flow_of(case).step_conflict(user, case, perm)


def move_refusal(*, by, task, to_user=None):
    """Why ``by`` may not move ``task`` (to ``to_user``, or back to the queue
    when None) under the grant map, or None. Whether ``to_user`` may do the
    step is asked separately (``workflows.work.services.refusal``)."""
    case = task.process.coerced
    if by is None:  # a scheduled job applying a decision already checked
        return None
    if to_user is not None and to_user.pk == by.pk:
        return _("不能把任务改派给自己；如需亲自办理，请退回待领取后领取。")
    if not grantable(by, case).get(task.owner_permission):
        return _("您的岗位不能调整案件 %(case)s 的“%(task)s”环节。") % {
            "case": case.number,
            "task": task.flow_task.task_title,
        }
    return None


def group_grant_refusal(*, by, group, perm, case):
    """Why ``by`` may not give ``group`` (a member unit's staff) ``perm`` on
    ``case``, or None."""
    if not grantable(by, case, to_units=True).get(perm):
        return _("您的岗位不能向成员单位授予“%(perm)s”。") % {"perm": _perm_label(perm)}
    if group.user_set.filter(pk=by.pk).exists():
        return _("您本人是该单位的工作人员，不能给本单位授权。")
    return flow_of(case).unit_conflict(group, case)


def people_who_may(perm, case):
    """Users who may exercise ``perm`` on ``case``: a post in force covering it
    whose role holds ``perm``, or an active grant of it to them or to their
    group — minus those the flow's separation of duties excludes. A queryset
    of candidates, then the duty rule per person (a handful of people)."""
    from roles.models import CaseGrant, CaseGroupGrant
    from roles.scope import ancestor_paths

    app_label, codename = perm.split(".")
    match = {
        "permission__codename": codename,
        "permission__content_type__app_label": app_label,
    }
    Post = apps.get_model("roles", "Post")
    posts = Post.objects.active().filter(
        region__path__in=ancestor_paths(case.region.path),
        role__permissions__codename=codename,
        role__permissions__content_type__app_label=app_label,
    )
    own = CaseGrant.objects.active().filter(content_object=case.pk, **match)
    groups = CaseGroupGrant.objects.active().filter(content_object=case.pk, **match)
    candidates = (
        apps.get_model(*_user_model_label())
        .objects.filter(is_active=True)
        .filter(
            Q(posts__in=posts)
            | Q(pk__in=own.values("user_id"))
            | Q(groups__in=groups.values("group_id"))
        )
        .distinct()
        .order_by("first_name", "username")
    )
    flow = flow_of(case)
    return [u for u in candidates if flow.step_conflict(u, case, perm) is None]


def _user_model_label():
    from django.conf import settings

    return settings.AUTH_USER_MODEL.split(".")
