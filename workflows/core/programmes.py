"""The programmes plugged into the spine, found by asking Django.

A programme is a ``Case`` subclass (plus its flow). The spine never names
one: it asks here for every case model and reads what each declares on the
class — its kind, number prefix, label, the joins its subject needs, the
records its audit timeline reads (docs/architecture.md, "Adding a
programme").
"""

from functools import cache

from django.apps import apps


def case_models():
    """Every concrete case model of every programme, in a stable order."""
    Case = apps.get_model("workflows", "Case")
    found = [
        model
        for model in apps.get_models()
        if issubclass(model, Case) and model is not Case and not model._meta.proxy
    ]
    return sorted(found, key=lambda m: (m.HOME_ORDER, m._meta.label))


@cache
def _by_kind():
    return {model.KIND: model for model in case_models()}


def case_model(kind):
    """The case model of ``kind`` (``"dibao"`` → ``Application``), or None."""
    return _by_kind().get(kind)


def subject_joins(prefix=""):
    """``select_related`` paths for ``Case.subject`` across every kind, from
    a query whose ``prefix`` reaches the case (``"process__case__"``)."""
    joins = []
    for model in case_models():
        name = model._meta.model_name
        joins.append(f"{prefix}{name}")
        joins += [f"{prefix}{name}__{path}" for path in model.SUBJECT_RELATED]
    return tuple(joins)


# records of the spine that hang off a case of any kind
SPINE_RECORDS = (
    ("workflows.Benefit", "case_id"),
    ("workflows.BenefitAmount", "case_id"),
    ("workflows.RegisterEntry", "case_id"),
    ("workflows.ClockPause", "case_id"),
)


def audit_records():
    """``(label, model, lookup)`` of every record hanging off a case, for
    every kind (what the audit timeline and search read)."""
    records = [
        (label, apps.get_model(label), lookup) for label, lookup in SPINE_RECORDS
    ]
    for case_model_ in case_models():
        for label, lookup in case_model_.AUDIT_RECORDS:
            records.append((label, apps.get_model(label), lookup))
    return records


def origin_chain(case, depth=5):
    """The cases ``case`` was started from, nearest first (a call → an
    application → an escalation: the escalation's chain is the application,
    then the call)."""
    chain, current = [], case
    while current.origin_id and len(chain) < depth:
        current = current.origin.specific
        chain.append(current)
    return chain


def followup_starts(case, user):
    """What may be started from ``case`` by ``user`` (its page's buttons):
    ``[(label, url)]`` for each programme that takes this kind of case as an
    origin, whose start step the user may do for this case's region, and —
    for an escalation — only when the case may be escalated."""
    from django.urls import NoReverseMatch

    from .flow import project_flows

    starts = []
    for flow_class in project_flows():
        model = flow_class.process_class
        if not model.START_NODE or model.origin_refusal(case.specific):
            continue
        node = getattr(flow_class, model.START_NODE)
        perm = node._owner_permission
        if not perm or not user.has_perm(perm, case):
            continue
        try:
            url = node.reverse("execute")
        except NoReverseMatch:
            continue
        starts.append((model.START_FROM_LABEL, f"{url}?origin={case.pk}"))
    return starts


def descendants(case, depth=3):
    """The cases started from ``case``, and from those (a call → an
    application → its escalation), as their programmes' models."""
    Case = apps.get_model("workflows", "Case")
    found, frontier = [], [case.pk]
    for _level in range(depth):
        if not frontier:
            break
        level = list(Case.objects.filter(origin__in=frontier).order_by("pk"))
        found += [c.specific for c in level]
        frontier = [c.pk for c in level]
    return found
