"""Courseware over HTTP: package files, the launcher, the runtime endpoints and the player.

Not language-prefixed: content and runtime URLs are made by code, and the player follows
the visitor's language (cookie or browser) like the rest of the site does.
"""

from django.urls import path

from .views import cmi5, content, launcher, player, runtime

app_name = "courseware"
urlpatterns = [
    path("content/<str:token>/<path:path>", content.content_file, name="content"),
    path("launch/<str:token>/<int:activity_id>", launcher.launcher, name="launch"),
    path("rt/<str:token>/sco/<int:activity_id>", runtime.sco, name="rt-sco"),
    path("rt/<str:token>/nav", runtime.nav, name="rt-nav"),
    path("play/<str:token>/", player.player, name="player"),
    path("preview/<int:version_id>/", player.preview, name="preview"),
    path("cmi5/fetch/<str:key>", cmi5.fetch, name="cmi5-fetch"),
]
