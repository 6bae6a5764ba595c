"""The Celery app: the background-work engine at national scale.

By default the broker is a folder under var/ (kombu's filesystem transport), so a
laptop needs no server; CELERY_BROKER_URL switches to Redis or RabbitMQ.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("taynghe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
