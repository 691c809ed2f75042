from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """The processes and the case data they work on."""

    name = "workflows"
    verbose_name = _("社会救助业务")

    def site_viewsets(self):
        """The programmes of this app in the staff site's menu."""
        from .alerts.flows import AlertFlow
        from .alerts.viewsets import AlertAppViewset
        from .dibao.flows import DibaoFlow
        from .dibao.viewsets import DibaoAppViewset
        from .escalation.flows import EscalationFlow
        from .escalation.viewsets import EscalationAppViewset
        from .hotline.flows import HotlineFlow
        from .hotline.viewsets import HotlineAppViewset
        from .reviews.flows import ReviewFlow
        from .reviews.viewsets import ReviewAppViewset

        return [
            DibaoAppViewset(DibaoFlow, icon="family_restroom", title=_("低保审核确认")),
            HotlineAppViewset(
                HotlineFlow, icon="support_agent", title=_("社会救助热线")
            ),
            EscalationAppViewset(
                EscalationFlow, icon="groups", title=_("提级复审（一事一议）")
            ),
            ReviewAppViewset(ReviewFlow, icon="event_repeat", title=_("动态复核")),
            AlertAppViewset(
                AlertFlow, icon="notification_important", title=_("监测预警")
            ),
        ]

    def ready(self):
        from .audit import checks, record, signals  # noqa: F401  (register)
        from .audit.backfill import after_migrate, before_migrate

        record.connect()
        # what registers itself on import: the job kinds (the standard raise
        # 提标, the imports, monitoring alerts, the cross-check), the sweeps of
        # the timer dispatcher (due reviews, reminders, stale uploads), and the
        # listeners through which the spine and the programmes hear each other
        # (a year's calendar corrected, an escalation decided)
        from .alerts import jobs as alert_jobs  # noqa: F401  (job kind, sweep)
        from .benefits import raises  # noqa: F401
        from .clock import signals as clock_signals  # noqa: F401
        from .core import clocks  # noqa: F401
        from .dataio import registry as registry_imports  # noqa: F401
        from .dataio import registry_items as registry_item_imports  # noqa: F401
        from .dataio import services as import_services  # noqa: F401  (sweep)
        from .dibao import imports as dibao_imports  # noqa: F401
        from .dibao import jobs as dibao_jobs  # noqa: F401  (job kinds)
        from .dibao import signals as dibao_signals  # noqa: F401
        from .escalation import signals as escalation_signals  # noqa: F401
        from .monitoring import jobs as monitoring_jobs  # noqa: F401
        from .notify import sweeps as notify_sweeps  # noqa: F401
        from .reviews import scheduling as review_sweeps  # noqa: F401  (sweep)

        # the last app: Django's own post-migrate rows (permissions) exist by now
        pre_migrate.connect(before_migrate, sender=self, dispatch_uid="audit-before")
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="audit-backfill")
