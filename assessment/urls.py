"""URLs of the exam client (included under /exam/ in both languages)."""

from django.urls import path

from .views import exam_client, invigilate, learner, results

app_name = "assessment"

urlpatterns = [
    path("", learner.my_exams, name="my_exams"),
    path("attempts/<uuid:public_id>/", exam_client.page, name="attempt"),
    path("attempts/<uuid:public_id>/start", exam_client.start, name="attempt_start"),
    path("attempts/<uuid:public_id>/state", exam_client.state, name="attempt_state"),
    path("attempts/<uuid:public_id>/answers", exam_client.save, name="answer_save"),
    path("attempts/<uuid:public_id>/submit", exam_client.submit, name="attempt_submit"),
    path("attempts/<uuid:public_id>/invigilate", invigilate.act, name="invigilate_act"),
    path("results/<uuid:public_id>/", results.result, name="result"),
    path("exams/<int:exam_id>/invigilate", invigilate.sitting, name="invigilate"),
]
