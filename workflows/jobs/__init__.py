"""Background jobs: a record per job (state, progress, result), a runner
behind one interface (Celery in production, in-process under ``make run`` and
the tests), and the timer dispatcher that beat runs.

A programme declares a kind (``kinds.register``), starts a job with
``services.job_start`` inside its own transaction, and shows the person who
started it ``Job.get_absolute_url()``. docs/architecture.md, *Background jobs*.
"""
