"""The role matrix: where each role may hold a post and what it may do.

This is the seed the reference loader writes into ``Role.permissions`` when a
role is first created; afterwards administrators maintain it in the admin
(with history). Permission codenames are actions on the case model
(``workflows.accept_application`` …), see ``workflows.dibao.models``.
"""

from .models import Role

C = Role.Code

# seeing a case of any kind in one's regions: 低保 applications, hotline calls,
# escalations (region scoping asks view_application for every kind of case)
VIEW = [
    "workflows.view_application",
    "workflows.view_household",
    "workflows.view_call",
    "workflows.view_escalation",
    "workflows.view_alert",
]


ROLE_PERMISSIONS = {
    C.VILLAGE_COORDINATOR: VIEW
    + [
        "workflows.apply_application",
        "workflows.record_objection",
        "workflows.visit_case",
        "workflows.verify_alert",
    ],
    C.PROXY_AGENT: VIEW + ["workflows.apply_application"],
    C.TOWN_CASEWORKER: VIEW
    + [
        "workflows.apply_application",
        "workflows.accept_application",
        "workflows.investigate_application",
        "workflows.visit_case",
        "workflows.calculate_application",
        "workflows.propose_application",
        "workflows.record_objection",
        "workflows.handle_objection",
        "workflows.deliver_notice",
        "workflows.reveal_idnumber",
        "workflows.verify_call",
        "workflows.refer_escalation",
        "workflows.inform_escalation",
        "workflows.import_registry",
        "workflows.verify_alert",
    ],
    C.TOWN_SUPERVISOR: VIEW
    + [
        "workflows.manage_case",
        "workflows.grant_case",
        "workflows.refer_escalation",
        "workflows.handle_locally_escalation",
        "workflows.confirm_delegated_application",
        "workflows.decide_delegated_application",
        "workflows.record_objection",
        "workflows.extend_deadline",
        "workflows.reveal_idnumber",
    ],
    C.DISTRICT_REVIEWER: VIEW
    + [
        "workflows.crosscheck_application",
        "workflows.import_feed",
        "workflows.confirm_application",
        "workflows.reveal_idnumber",
        "workflows.refer_escalation",
        "workflows.prepare_escalation",
        "workflows.record_meeting_escalation",
        "workflows.import_registry",
        "workflows.import_caseload",
        "workflows.run_monitoring",
    ],
    C.DISTRICT_SUPERVISOR: VIEW
    + [
        "workflows.manage_case",
        "workflows.grant_case",
        "workflows.cancel_case",
        "workflows.audit_case",
        "workflows.decide_application",
        "workflows.extend_deadline",
        "workflows.reveal_idnumber",
        "workflows.prepare_escalation",
        "workflows.record_meeting_escalation",
        "workflows.view_common_problems",
        "workflows.run_monitoring",
    ],
    C.CITY_ADMINISTRATOR: VIEW
    + [
        "workflows.manage_case",
        "workflows.grant_case",
        "workflows.audit_case",
        "workflows.extend_deadline",
        "workflows.reveal_idnumber",
        "workflows.view_common_problems",
        "workflows.merge_member",
        "workflows.maintain_calendar",
        "workflows.import_registry",
        "workflows.import_feed",
        "workflows.import_caseload",
    ],
    C.AUDITOR: VIEW + ["workflows.audit_case"],
    # A hotline operator answers callers about their calls; they do not read
    # 低保 or escalation files (what a call led to shows on the call's page,
    # by number and stage). docs/security.md.
    C.HOTLINE_OPERATOR: [
        "workflows.view_call",
        "workflows.register_call",
        "workflows.dispatch_call",
        "workflows.answer_call",
    ],
}

# Permissions a later release adds to (or takes from) roles that already
# exist. Each release is applied once per role by ``load_reference`` (in the
# role's history), so an administrator's later edits are never undone; a role
# created afresh gets ROLE_PERMISSIONS, which already reflects them.
RELEASES = {
    "2026-11-hotline-escalation": {
        "add": {
            code: [
                p
                for p in perms
                if p.endswith(("_call", "_escalation")) or p.endswith("common_problems")
            ]
            for code, perms in ROLE_PERMISSIONS.items()
        },
    },
    "2026-12-security": {
        "add": {
            C.TOWN_CASEWORKER: ["workflows.visit_case"],
            C.VILLAGE_COORDINATOR: ["workflows.visit_case"],
            C.DISTRICT_SUPERVISOR: ["workflows.cancel_case"],
        },
        "remove": {
            C.HOTLINE_OPERATOR: [
                "workflows.view_application",
                "workflows.view_household",
                "workflows.view_escalation",
            ],
        },
    },
    # merging two registry records of one person (ID numbers that differed
    # only in how their digits were written): the city sees every district
    "2026-12-merge-members": {
        "add": {C.CITY_ADMINISTRATOR: ["workflows.merge_member"]}
    },
    # entering a year's holidays and make-up workdays and confirming it: the
    # calendar is national, the city's administrator answers for it
    # the case spine: managing, granting and auditing mean any kind of case
    # (permissions on Case), no longer each programme's own
    "2026-12-case-spine": {
        "replace": {
            "workflows.manage_application": [
                "workflows.manage_case",
                "workflows.grant_case",
            ],
            "workflows.manage_call": ["workflows.manage_case"],
            "workflows.manage_escalation": ["workflows.manage_case"],
            "workflows.audit_application": ["workflows.audit_case"],
        }
    },
    "2026-12-calendar": {
        "add": {C.CITY_ADMINISTRATOR: ["workflows.maintain_calendar"]}
    },
    # loading the registry from a file (workflows.dataio): the town's
    # caseworker for the town, the district's reviewer (its data role) and
    # the city's administrator wider
    "2026-12-imports": {
        "add": {
            code: ["workflows.import_registry"]
            for code in (
                C.TOWN_CASEWORKER,
                C.DISTRICT_REVIEWER,
                C.CITY_ADMINISTRATOR,
            )
        }
    },
    # departmental feeds arrive city-wide; the city's administrator and the
    # district's verification body (who runs the cross-check) import them
    "2027-01-feeds": {
        "add": {
            C.CITY_ADMINISTRATOR: ["workflows.import_feed"],
            C.DISTRICT_REVIEWER: ["workflows.import_feed"],
        }
    },
    # loading the households already on 低保 (workflows/dibao/imports.py):
    # putting a household on 低保 is the county's decision (S1 Art 20-21,
    # 28), so not the town; the district's reviewer (its data role) for the
    # district, the city's administrator for the city
    "2026-12-caseload-import": {
        "add": {
            code: ["workflows.import_caseload"]
            for code in (C.DISTRICT_REVIEWER, C.CITY_ADMINISTRATOR)
        }
    },
    # monitoring alerts (workflows/alerts): everyone who sees cases sees
    # alerts; the village and town verify them; the district runs the match
    "2027-01-alerts": {
        "add": {
            **{
                code: ["workflows.view_alert"]
                for code, perms in ROLE_PERMISSIONS.items()
                if "workflows.view_alert" in perms
            },
            C.VILLAGE_COORDINATOR: [
                "workflows.view_alert",
                "workflows.verify_alert",
            ],
            C.TOWN_CASEWORKER: ["workflows.view_alert", "workflows.verify_alert"],
            C.DISTRICT_REVIEWER: [
                "workflows.view_alert",
                "workflows.run_monitoring",
            ],
            C.DISTRICT_SUPERVISOR: [
                "workflows.view_alert",
                "workflows.run_monitoring",
            ],
        }
    },
}
