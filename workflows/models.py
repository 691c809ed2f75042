"""All models of the ``workflows`` app, defined in their subpackages."""

from .alerts.models import Alert, MonitoringRun  # noqa: F401
from .audit.models import AuditCheckpoint, AuditColumnSet, AuditRowHash  # noqa: F401
from .benefits.models import Benefit, BenefitAmount, RegisterEntry  # noqa: F401
from .clock.models import CalendarDay, CalendarYear, TimeLimit  # noqa: F401
from .core.models import Case, ClockPause, SensitiveAccess, TaskDeadline  # noqa: F401
from .dataio.models import ImportRun  # noqa: F401
from .dibao.models import (  # noqa: F401
    Application,
    Assessment,
    CrossCheckFinding,
    CrossCheckReport,
    Decision,
    HomeVisit,
    NeighbourVisit,
    Notice,
    Objection,
    Opinion,
    Review,
)
from .escalation.models import (  # noqa: F401
    Escalation,
    Measure,
    Meeting,
    MemberUnit,
    UnitStatement,
    Vote,
)
from .hotline.models import Call  # noqa: F401
from .jobs.models import Job  # noqa: F401
from .monitoring.models import FeedBatch, FeedRecord, FeedUpload  # noqa: F401
from .notify.models import Delivery, Notification  # noqa: F401
from .registry.models import Asset, Deduction, Household, IncomeItem, Member  # noqa: F401
from .standards.models import (  # noqa: F401
    AssistanceStandard,
    DistrictPolicy,
    IncomeType,
    ReviewInterval,
)
