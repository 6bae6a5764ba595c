"""xAPI endpoints, mounted at /xapi/ outside the language prefixes."""

from django.urls import path

from . import document_views, views

app_name = "lrs"

urlpatterns = [
    path("about", views.about, name="about"),
    path("statements", views.statements, name="statements"),
    path("profile", views.profile, name="profile"),
    path("activities", document_views.activities, name="activities"),
    path("agents", document_views.agents, name="agents"),
    path("activities/state", document_views.state, name="state"),
    path("activities/profile", document_views.activity_profile, name="activity_profile"),
    path("agents/profile", document_views.agent_profile, name="agent_profile"),
]
