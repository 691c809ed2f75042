"""The safety net under bulk writes: every tracked row has a history row.

Code that writes in bulk uses ``history.bulk_create``/``bulk_update``. Rows
written where we do not control the code — a data migration (whose models
carry no history manager), Django's own ``post_migrate`` creation of
permissions and content types, a direct SQL fix by an operator — get a '+'
history row here, marked with the job that found them. It runs after every
``migrate`` and from ``manage.py backfill_history``.
"""

from django.apps import apps
from django.db import transaction
from django.db.models import Exists, OuterRef

from .context import acting, current
from .history import bulk_history_attrs

BATCH = 1000


def tracked_models():
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if history is not None and hasattr(history, "model"):
            yield model


def missing(model):
    """Rows of ``model`` that have no history row at all."""
    history = model.history.model
    pk = model._meta.pk.attname
    return model._base_manager.filter(
        ~Exists(history.objects.filter(**{pk: OuterRef("pk")}))
    )


@transaction.atomic
def backfill(*, job, reason):
    """Write a '+' history row for every tracked row that has none.
    Returns ``{label: count}`` of what it wrote."""
    written = {}
    with acting(job=job, user=current()[1]):
        for model in tracked_models():
            while rows := list(missing(model).order_by("pk")[:BATCH]):
                model.history.bulk_history_create(
                    rows,
                    batch_size=BATCH,
                    default_change_reason=reason,
                    **bulk_history_attrs(),
                )
                label = model._meta.label
                written[label] = written.get(label, 0) + len(rows)
    return written


def after_migrate(sender, using, **kwargs):
    """``post_migrate`` receiver: rows created by migrations and by Django's
    own post-migrate steps get their first history row."""
    if using == "default":
        backfill(job="migrate", reason="迁移/系统创建")
