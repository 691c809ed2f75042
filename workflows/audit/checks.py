"""System check: every model keeps its history, or is a documented exemption."""

from django.apps import apps
from django.conf import settings
from django.core import checks

# Models with no history of their own, and why (docs/audit.md).
EXEMPT = {
    "sessions.Session": "login sessions; logins are in the user history",
    "contenttypes.ContentType": "Django's table of model names",
    "admin.LogEntry": "Django admin's own log of admin actions",
    "workflows.FeedRecord": "departmental rows, never changed after import; "
    "the batch is audited",
    "workflows.FeedUpload": "a feed file between preview and import, deleted "
    "when the import ends: it holds rows of people outside the registry, which "
    "may not be kept (PIPL Art 6)",
    "workflows.AuditRowHash": "the hash chain that protects the history",
    "workflows.AuditColumnSet": (
        "the column lists the chain's hashes cover (keyed by their digest)"
    ),
    "workflows.AuditCheckpoint": "the retention record of the chain",
    "viewflow.Task.previous": "the flow-graph link written once when a task is created",
    "axes.AccessAttempt": "django-axes' failure counters, rewritten with SQL "
    "expressions; each failure is in AccessFailureLog, each lockout a "
    "roles.Lockout, both with history",
    "axes.AccessAttemptExpiration": "an expiry time of an axes counter "
    "(unused: AXES_USE_ATTEMPT_EXPIRATION is off)",
}


def _is_history(model):
    return getattr(
        model, "instance_type", None
    ) is not None or model._meta.object_name.startswith("Historical")


@checks.register(checks.Tags.models)
def every_model_has_history(app_configs=None, **kwargs):
    errors = []
    exempt = {**EXEMPT, **getattr(settings, "AUDIT_HISTORY_EXEMPT", {})}
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or _is_history(model):
            continue
        if opts.auto_created:
            # an M2M table: tracked by its owner's history (m2m_fields) or exempt
            owner = opts.auto_created
            field = next(
                (
                    f
                    for f in owner._meta.many_to_many
                    if f.remote_field.through is model
                ),
                None,
            )
            history = getattr(owner, "history", None)
            tracked = getattr(
                getattr(history, "model", None), "_history_m2m_fields", []
            )
            if field is not None and field in tracked:
                continue
            if f"{owner._meta.label}.{field.name if field else ''}" in exempt:
                continue
        elif hasattr(model, "history") or opts.label in exempt:
            continue
        errors.append(
            checks.Error(
                f"{opts.label} keeps no history.",
                hint="Add `history = audited()` (workflows.base.history), register "
                "it in workflows/audit/models.py, or document an exemption in "
                "workflows/audit/checks.py.",
                obj=model,
                id="audit.E001",
            )
        )
    return errors
