"""URLs of the learning site's own views (pages are served by Wagtail)."""

from django.urls import path

from . import gradebook_views, launch, views

app_name = "lms"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("teach/", views.teach_index, name="teach_index"),
    path("teach/courses/<int:course_id>/", views.teach_course, name="teach_course"),
    path(
        "teach/courses/<int:course_id>/progress.<str:fmt>",
        views.teach_course_export,
        name="teach_course_export",
    ),
    path(
        "teach/courses/<int:course_id>/grades/",
        gradebook_views.teach_course_gradebook,
        name="teach_course_gradebook",
    ),
    path(
        "teach/courses/<int:course_id>/grades.csv",
        gradebook_views.teach_course_gradebook_csv,
        name="teach_course_gradebook_csv",
    ),
    path("results/", gradebook_views.my_results, name="my_results"),
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path(
        "lessons/<int:page_id>/courseware/<str:block_id>/",
        launch.courseware_launch,
        name="courseware_launch",
    ),
    path("lessons/<int:page_id>/exam/<str:block_id>/", launch.exam_launch, name="exam_launch"),
]
