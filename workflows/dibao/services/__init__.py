"""Writes of the 低保 process, one service per step, one module per stage of
the statute (HackSoft style). Views and flow handlers only call these. Each
service validates (``full_clean``) before saving and is atomic, so a refused
step leaves nothing half-written.
"""

from .application import (  # noqa: F401
    CONTACT_ELSEWHERE,
    ApplicationData,
    AssetData,
    DeductionData,
    IncomeData,
    MemberData,
    application_accept,
    application_submit,
    materials_received,
)
from .calculation import (  # noqa: F401
    escalation_returned,
    income_assess,
    opinion_give,
)
from .caseload import caseload_enter  # noqa: F401
from .clock import deadline_extend, id_number_revealed  # noqa: F401
from .crosscheck import (  # noqa: F401
    crosscheck_conclude,
    crosscheck_refusal,
    crosscheck_run,
    crosscheck_start,
    finding_review,
)
from .investigation import (  # noqa: F401
    crosscheck_recheck,
    crosscheck_record,
    home_visit_record,
    neighbour_visit_record,
)
from .notice import (  # noqa: F401
    inclusion_notice_publish,
    notice_close,
    objection_handle,
    objection_record,
)
from .review import (  # noqa: F401
    REMEDIES,
    decision_record,
    first_of_next_month,
    rejection_deliver,
    review_record,
    spot_check_draw,
)
from .roster import roster_enrol  # noqa: F401
