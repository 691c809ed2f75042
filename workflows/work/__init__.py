"""Supervisors' work management (工作管理): workload, reassignment, leave,
grants, lateness; and the URL guard that checks every id against the one
permission rule. Above the case spine (it reads cases, tasks and clocks),
below the programmes."""
