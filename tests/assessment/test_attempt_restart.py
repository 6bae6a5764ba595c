"""A server process killed mid-exam loses no confirmed answer.

One process prepares and starts an attempt, saves answers (each confirmed save is a
committed transaction), prints what it confirmed, then kills itself with SIGKILL: no
shutdown code runs. A second process reads the attempt state from the same database
and must find every confirmed answer with its seq.
"""

from __future__ import annotations

import json
import sys

from tests.config.support import clean_env, manage, run

WRITER = r"""
import json, os, signal, sys
import django
django.setup()
from institutions import services as inst
from assessment import attempts, exams, services
from tests.assessment.factories import BODIES

school = inst.institution_create(actor=None, code="RST", name="Trường", kind="college", province="Huế")
teacher = inst.user_create(username="t", password="x-pass-123")
learner = inst.user_create(username="hv", password="x-pass-123")
inst.membership_grant(actor=None, user=teacher, institution=school, role="teacher")
inst.membership_grant(actor=None, user=learner, institution=school, role="learner")
bank = services.bank_create(actor=teacher, institution=school, name="NH")
items = [
    services.item_create(actor=teacher, bank=bank, question_type=kind, stem="<p>?</p>", body=BODIES[kind])
    for kind in ("single_choice", "ordering", "short_answer")
]
exam = exams.exam_create(actor=teacher, institution=school, title="Thi", time_limit_minutes=30,
                         sections=[exams.SectionSpec(items=items)])
exams.exam_publish(actor=teacher, exam=exam)
[attempt] = attempts.exam_attempts_prepare(actor=teacher, exam=exam, learners=[learner])
attempt = attempts.attempt_start(attempt=attempt, learner=learner)
confirmed = {}
for seq, question in enumerate(attempt.questions.all(), start=1):
    kind = question.view["type"]
    tokens = sorted(question.id_map)
    response = tokens[0] if kind == "single_choice" else tokens if kind == "ordering" else "điện áp"
    for step in (seq, seq + 10):  # a second, newer save of the same question
        result = attempts.answer_save(attempt=attempt, learner=learner, question_key=question.key,
                                      seq=step, response=response)
        assert result.status == "saved"
    confirmed[question.key] = {"seq": seq + 10, "response": response}
print(json.dumps({"attempt": str(attempt.public_id), "answers": confirmed}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

READER = r"""
import json, sys
import django
django.setup()
from assessment import attempts
from assessment.models import Attempt
attempt = Attempt.objects.get(public_id=sys.argv[1])
state = attempts.attempt_state(attempt=attempt, learner=attempt.learner)
print(json.dumps({"status": state["status"], "answers": state["answers"]}))
"""


def test_a_killed_server_process_loses_no_confirmed_answer(tmp_path):
    env = clean_env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path}/exam.sqlite3",
        PYTHONPATH=".",
    )
    migrated = manage(["migrate", "--noinput"], env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr

    writer = run([sys.executable, "-c", WRITER], env, timeout=120)
    assert writer.returncode == -9, writer.stderr  # killed, not a clean exit
    written = json.loads(writer.stdout.strip().splitlines()[-1])

    reader = run([sys.executable, "-c", READER, written["attempt"]], env, timeout=120)
    assert reader.returncode == 0, reader.stderr
    found = json.loads(reader.stdout.strip().splitlines()[-1])
    assert found["status"] == "in_progress"
    assert found["answers"] == written["answers"]
    assert len(found["answers"]) == 3
