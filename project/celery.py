"""The Celery app: workers run jobs (``workflows.jobs``), beat runs the timer
dispatcher. Configured from Django's settings (``CELERY_*``, in
project/settings/base.py; docs/operations.md explains the numbers).

    celery -A project worker    celery -A project beat
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.prod")

app = Celery("project")
app.config_from_object("django.conf:settings", namespace="CELERY")
