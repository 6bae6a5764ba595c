"""The Celery app: the background-work engine at national scale.

By default the broker is a folder under var/ (kombu's filesystem transport), so a
laptop needs no server; CELERY_BROKER_URL switches to Redis or RabbitMQ.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("taynghe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_BROKER_FOLDER_OPTIONS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


@app.on_after_configure.connect
def _broker_folders_ensure(sender, **kwargs):
    """Create the filesystem broker's folders: kombu lists them before it ever writes one."""
    if not str(sender.conf.broker_url or "").startswith("filesystem"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in _BROKER_FOLDER_OPTIONS:
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.task(name="config.ping")
def ping(value: int) -> dict:
    """Round-trip probe of the broker path: returns the value it was given, doubled."""
    return {"value": value, "doubled": value * 2}
