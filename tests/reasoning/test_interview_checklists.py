"""The interview's warning-sign checklists: every sign is screened, none stands in for another."""

from __future__ import annotations

import pytest

from kinchain.case import Case
from kinchain.knowledge.schema import TRIAGE_ORDER
from kinchain.reasoning.interview import (
    Progress,
    answer,
    answer_checklist,
    current_assessment,
    is_checklist,
    next_question,
)


def header(region: str, age: float = 45, sex: str = "female") -> Case:
    return Case.model_validate({"patient": {"age": age, "sex": sex}, "complaint": {"region": region}})


def run(kb, case: Case, present: set[str], audience: str = "patient", limit: int = 40) -> Progress:
    """Answer as a patient who has exactly the signs in ``present`` and does not know anything else."""
    progress = Progress()
    while (q := next_question(case, progress, kb, audience)) is not None and len(progress.asked) < limit:
        if q.type == "checklist":
            answer_checklist(progress, q, [s for s in q.values or [] if s in present])
        else:
            answer(progress, q.finding, True if q.finding in present else None)
    return progress


def test_the_first_question_is_the_emergency_checklist(kb):
    q = next_question(header("knee"), Progress(), kb)
    assert q is not None and is_checklist(q.finding) and q.type == "checklist"
    assert len(q.items) == len(q.values or []) >= 5
    assert {"saddle_anaesthesia", "bladder_or_bowel_dysfunction", "fever"} <= set(q.values or [])
    # where it hurts comes with the complaint; a checklist lists warning signs only
    assert not [s for s in q.values or [] if kb.findings[s].group == "location"]


@pytest.mark.parametrize("sign", ["bladder_or_bowel_dysfunction", "new_sexual_dysfunction", "saddle_anaesthesia"])
def test_any_single_cauda_equina_sign_ends_in_an_emergency(kb, sign):
    """The old screen asked one sign per flag and moved on after a no: a patient without saddle numbness
    was never asked about the bladder."""
    progress = run(kb, header("back"), {sign, "back_pain"})
    assert progress.stop_reason and progress.stop_reason.startswith("emergency red flag")
    assert current_assessment(header("back"), progress, kb).triage.level == "emergency"


def test_none_of_these_records_every_listed_sign_absent(kb):
    progress = Progress()
    q = next_question(header("knee"), progress, kb)
    answer_checklist(progress, q, [])
    assert progress.answers == dict.fromkeys(q.values or [], False)
    assert progress.asked == [q.finding]


def test_not_sure_records_nothing_but_counts_as_a_question(kb):
    progress = Progress()
    q = next_question(header("knee"), progress, kb)
    answer_checklist(progress, q, None)
    assert progress.answers == {} and progress.asked == [q.finding]
    nxt = next_question(header("knee"), progress, kb)
    assert nxt is not None and nxt.finding != q.finding


def test_a_sign_the_checklist_did_not_list_is_refused(kb):
    progress = Progress()
    q = next_question(header("knee"), progress, kb)
    with pytest.raises(ValueError, match="does not list"):
        answer_checklist(progress, q, ["lachman_positive"])
    assert progress.asked == [] and progress.answers == {}


def test_urgent_signs_come_in_a_second_checklist(kb):
    progress = Progress()
    first = next_question(header("knee"), progress, kb)
    answer_checklist(progress, first, [])
    second = next_question(header("knee"), progress, kb)
    assert second is not None and second.finding == "signs:urgent"
    assert {"night_pain", "weight_loss"} <= set(second.values or [])
    assert not set(second.values or []) & set(first.values or [])


def test_a_calf_sign_alone_is_never_left_at_self_care(kb):
    case = header("lower_leg", age=38, sex="male")
    progress = run(kb, case, {"calf_pain_tenderness"})
    level = current_assessment(case, progress, kb).triage.level
    assert TRIAGE_ORDER[level] >= TRIAGE_ORDER["urgent"], (level, progress.asked)


def test_a_patient_checklist_lists_only_what_a_patient_can_answer(kb):
    patient = next_question(header("knee", age=70), Progress(), kb, "patient")
    clinician = next_question(header("knee", age=70), Progress(), kb, "clinician")
    assert all(kb.findings[s].patient_askable for s in patient.values or [])
    exam = [s for s in clinician.values or [] if not kb.findings[s].patient_askable]
    assert exam, "a clinician's checklist also lists the examination signs of the flags"


def test_a_ticked_sign_is_followed_up_until_its_flag_is_settled(kb):
    """A hot swollen knee: the flag still needs a fever or a temperature, which a checklist cannot hold."""
    case = header("knee", age=60)
    progress = Progress()
    q = next_question(case, progress, kb)
    answer_checklist(progress, q, ["hot_swollen_joint"])
    follow = next_question(case, progress, kb)
    assert follow is not None and not is_checklist(follow.finding)
    assert follow.reason == "safety screen"


def test_an_unasked_exclusion_is_asked_before_an_emergency_stop(kb):
    """Both legs and the back hurt: the cauda equina flag holds unless it is long-standing walking
    claudication, so the interview asks that before sending a patient with stenosis to the emergency room."""
    case = Case.model_validate({"patient": {"age": 64, "sex": "female"},
                                "complaint": {"region": "back", "duration": "10 months"}})
    progress = Progress()
    q = next_question(case, progress, kb)
    answer_checklist(progress, q, [s for s in ("bilateral_leg_symptoms", "back_pain") if s in (q.values or [])])
    follow = next_question(case, progress, kb)
    assert follow is not None and follow.finding == "neurogenic_claudication", progress.stop_reason
    answer(progress, "neurogenic_claudication", True)
    assert next_question(case, progress, kb) is not None  # not an emergency stop
    assert current_assessment(case, progress, kb).triage.level != "emergency"


def test_a_flag_that_holds_whatever_the_exclusion_stops_at_once(kb):
    case = Case.model_validate({"patient": {"age": 64, "sex": "female"},
                                "complaint": {"region": "back", "duration": "10 months"}})
    progress = Progress()
    q = next_question(case, progress, kb)
    answer_checklist(progress, q, ["saddle_anaesthesia", "bilateral_leg_symptoms"])
    assert next_question(case, progress, kb) is None
    assert progress.stop_reason and progress.stop_reason.startswith("emergency red flag")
