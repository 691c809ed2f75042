"""Many cases of one flow opened at once, at their first human task.

Viewflow opens a case with a dozen statements (the process row and its
multi-table parents, the start task, the next task, the link between them,
the task's deadline, each with its history row). A monitoring run may open
thousands of alerts; here each of those rows goes in per table and per
batch, as viewflow's ``StartHandle`` would write it:

- the process rows (``Process`` → ``Case`` → the programme's model), status
  NEW, with the programme's history row ('+', every column, as a save of
  the programme's model writes it);
- the start task, DONE, started and finished now, and the first human task
  after it, NEW, unassigned, with its owner permission and the permission
  object the node computes, both with their history rows;
- the link ``task.previous`` (kept without history: the flow-graph link);
- the task's statutory deadline (``TaskDeadline``), counted by the clock
  (``due_after``) from today, with its history row.

A case opened here is then assigned, executed, listed and audited like any
other (tests/workflows/alerts/test_bulkstart.py compares the rows).
"""

from django.db import router, transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.token import Token

from ..base.history import bulk_create, bulk_history_attrs
from ..clock.services import due_after
from .models import TaskDeadline

BATCH = 500


def _insert_table(model, objs, using):
    """Insert the columns of ``model``'s own table for ``objs`` (instances of
    ``model`` or of a child of it) whose primary key is already set."""
    # an automatic primary key left to the database (the link table's)
    fields = [
        f
        for f in model._meta.local_concrete_fields
        if not (f.primary_key and getattr(objs[0], f.attname) is None)
    ]
    for start in range(0, len(objs), BATCH):
        model._base_manager.using(using)._insert(
            objs[start : start + BATCH], fields=fields
        )


def _insert_processes(model, objs, using):
    """The multi-table rows of new processes of ``model``: the root table's
    rows get their ids (one statement per batch), then each child table's."""
    chain = [*reversed(model._meta.get_parent_list()), model]
    root = chain[0]
    fields = [f for f in root._meta.local_concrete_fields if not f.primary_key]
    for start in range(0, len(objs), BATCH):
        part = objs[start : start + BATCH]
        rows = root._base_manager.using(using)._insert(
            part, fields=fields, returning_fields=[root._meta.pk]
        )
        for obj, (pk,) in zip(part, rows, strict=True):
            obj.pk = pk  # the child's pointer
            setattr(obj, root._meta.pk.attname, pk)
    for child in chain[1:]:
        for obj in objs:
            for parent_field in child._meta.parents.values():
                if parent_field is not None:
                    setattr(obj, parent_field.attname, obj.pk)
        _insert_table(child, objs, using)
    for obj in objs:
        obj._state.adding, obj._state.db = False, using


def open_cases(*, start, cases: list, reason: str) -> list:
    """Open the unsaved ``cases`` (instances of the flow's process model,
    filled in) at the human task after the flow's start node ``start`` (a
    ``StartHandle``); returns them saved. A few statements per 500 cases."""
    if not cases:
        return cases
    flow_class = start.flow_class
    model = flow_class.process_class
    node = start._next
    using = router.db_for_write(model)
    now = timezone.now()
    # the foreign keys are checked by the database's constraints on insert
    # (a full_clean would read each referenced row: a query per case)
    exclude = [f.name for f in model._meta.concrete_fields if f.is_relation]
    exclude += [f.name for f in model._meta.concrete_fields if not f.editable]
    with transaction.atomic(using=using):
        for case in cases:
            case.flow_class = flow_class
            case.status = PROCESS.NEW
            case.created = now
            case.kind = model.KIND
            case.clean_fields(exclude=[*exclude, "flow_class"])
            case.clean()
        _insert_processes(model, cases, using)
        from simple_history.utils import get_history_manager_for_model

        get_history_manager_for_model(model).bulk_history_create(
            cases,
            batch_size=BATCH,
            default_change_reason=reason,
            **bulk_history_attrs(),
        )
        started = [
            Task(
                process_id=case.pk,
                flow_task=start,
                flow_task_type=start.task_type,
                status=STATUS.DONE,
                created=now,
                started=now,
                finished=now,
                token=Token("start"),
                data={},
            )
            for case in cases
        ]
        bulk_create(Task, started, reason=reason, batch_size=BATCH)
        tasks = []
        for case in cases:
            task = Task(
                process=case,
                flow_task=node,
                flow_task_type=node.task_type,
                status=STATUS.NEW,
                created=now,
                token=Token("start"),
                data={},
            )
            activation = node.activation_class(task)
            permission = node.calc_owner_permission(activation)
            if permission:
                task.owner_permission = permission
                task.owner_permission_obj = node.calc_owner_permission_obj(activation)
            tasks.append(task)
        bulk_create(Task, tasks, reason=reason, batch_size=BATCH)
        link = Task.previous.through
        _insert_table(
            link,
            [
                link(from_task_id=task.pk, to_task_id=first.pk)
                for task, first in zip(tasks, started, strict=True)
            ],
            using,
        )
        if getattr(node, "_deadline", None):
            code, since = node._deadline
            if since is not None:
                raise ValueError("open_cases counts deadlines from today only")
            today = timezone.localdate()
            due = due_after(code, today)
            bulk_create(
                TaskDeadline,
                [
                    TaskDeadline(
                        task_id=task.pk,
                        due_on=due.on,
                        due_at=due.at,
                        limit=due.limit,
                        starts_on=today,
                    )
                    for task in tasks
                ],
                reason=reason,
                batch_size=BATCH,
            )
    return cases
