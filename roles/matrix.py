"""The role matrix: where each role may hold a post and what it may do.

This is the seed the reference loader writes into ``Role.permissions`` when a
role is first created; afterwards administrators maintain it in the admin
(with history). Permission codenames are actions on the case model
(``workflows.accept_application`` …), see ``workflows.dibao.models``.
"""

from .models import Level, Role

C = Role.Code

VIEW = ["workflows.view_application", "workflows.view_household"]

ROLE_LEVELS = {
    C.VILLAGE_COORDINATOR: [Level.VILLAGE],
    C.PROXY_AGENT: [Level.VILLAGE, Level.TOWN],
    C.TOWN_CASEWORKER: [Level.TOWN],
    C.TOWN_SUPERVISOR: [Level.TOWN],
    C.DISTRICT_REVIEWER: [Level.DISTRICT],
    C.DISTRICT_SUPERVISOR: [Level.DISTRICT],
    C.CITY_ADMINISTRATOR: [Level.CITY],
    C.AUDITOR: [Level.CITY, Level.DISTRICT],
}

ROLE_PERMISSIONS = {
    C.VILLAGE_COORDINATOR: VIEW
    + ["workflows.apply_application", "workflows.record_objection"],
    C.PROXY_AGENT: VIEW + ["workflows.apply_application"],
    C.TOWN_CASEWORKER: VIEW
    + [
        "workflows.apply_application",
        "workflows.accept_application",
        "workflows.investigate_application",
        "workflows.calculate_application",
        "workflows.propose_application",
        "workflows.record_objection",
        "workflows.handle_objection",
        "workflows.deliver_notice",
        "workflows.reveal_idnumber",
    ],
    C.TOWN_SUPERVISOR: VIEW
    + [
        "workflows.manage_application",
        "workflows.confirm_delegated_application",
        "workflows.decide_delegated_application",
        "workflows.record_objection",
        "workflows.extend_deadline",
        "workflows.reveal_idnumber",
    ],
    C.DISTRICT_REVIEWER: VIEW
    + [
        "workflows.crosscheck_application",
        "workflows.confirm_application",
        "workflows.reveal_idnumber",
    ],
    C.DISTRICT_SUPERVISOR: VIEW
    + [
        "workflows.manage_application",
        "workflows.decide_application",
        "workflows.extend_deadline",
        "workflows.reveal_idnumber",
        "workflows.audit_application",
    ],
    C.CITY_ADMINISTRATOR: VIEW
    + [
        "workflows.manage_application",
        "workflows.extend_deadline",
        "workflows.reveal_idnumber",
        "workflows.audit_application",
    ],
    C.AUDITOR: VIEW + ["workflows.audit_application"],
}
