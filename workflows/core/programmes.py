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


def audit_records():
    """``(label, model, lookup)`` of every record hanging off a case, for
    every kind (what the audit timeline and search read)."""
    records = []
    for case_model_ in case_models():
        for label, lookup in case_model_.AUDIT_RECORDS:
            records.append((label, apps.get_model(label), lookup))
    return records
