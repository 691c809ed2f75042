"""Indexes on viewflow's tables for the scoped lists.

Viewflow's own migrations index status and owner separately. The queue asks for
the few open human tasks first, the inbox for one owner's open tasks, and the
case list for the newest processes; these partial/compound indexes let both
PostgreSQL and SQLite start there instead of walking every case in scope.
"""

from django.db import migrations

INDEXES = [
    (
        "workflows_task_open_human",
        "viewflow_task (process_id) WHERE status = 'NEW' AND flow_task_type = 'HUMAN'",
    ),
    (
        "workflows_task_owner_open",
        "viewflow_task (owner_id, status) WHERE status IN ('ASSIGNED', 'STARTED')",
    ),
    ("workflows_process_created", "viewflow_process (created)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_feeds"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES
    ]
