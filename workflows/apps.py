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

        return [
            DibaoAppViewset(DibaoFlow, icon="family_restroom", title=_("低保审核确认")),
            HotlineAppViewset(
                HotlineFlow, icon="support_agent", title=_("社会救助热线")
            ),
            EscalationAppViewset(
                EscalationFlow, icon="groups", title=_("提级复审（一事一议）")
            ),
            AlertAppViewset(
                AlertFlow, icon="notification_important", title=_("监测预警")
            ),
        ]

    def ready(self):
        from .audit import checks, record, signals  # noqa: F401  (register)
        from .audit.backfill import after_migrate, before_migrate

        record.connect()
        # a year's calendar entered or corrected: its open deadlines are
        # counted again (the clock announces, the spine recounts)
        # the programmes listen to each other through the spine; reminders and
        # lateness notices join every sweep of the timer dispatcher
        from .alerts import jobs as alert_jobs  # noqa: F401  (job kind, sweep)
        from .clock import signals as clock_signals  # noqa: F401
        from .core import clocks  # noqa: F401

        # the import kinds (each also a job kind): the registry's, the programmes'
        from .dataio import registry as registry_imports  # noqa: F401
        from .dataio import registry_items as registry_item_imports  # noqa: F401
        from .dataio import services as import_services  # noqa: F401  (sweep)
        from .dibao import imports as dibao_imports  # noqa: F401
        from .dibao import jobs as dibao_jobs  # noqa: F401  (job kinds)
        from .dibao import signals as dibao_signals  # noqa: F401
        from .escalation import signals as escalation_signals  # noqa: F401
        from .monitoring import jobs as monitoring_jobs  # noqa: F401
        from .notify import sweeps as notify_sweeps  # noqa: F401

        # the last app: Django's own post-migrate rows (permissions) exist by now
        pre_migrate.connect(before_migrate, sender=self, dispatch_uid="audit-before")
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="audit-backfill")
