"""Server-rendered pages: the patient self-check and the clinician workspace.

Every form carries a CSRF token tied to the session cookie. The self-check keeps its answers in the
signed session cookie only; nothing is stored on the server unless the patient ticks the consent box.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kinchain.api import features, signin
from kinchain.api.deps import ServicesDep
from kinchain.api.problems import FeatureUnavailable, Problem
from kinchain.api.routes_api import store_assessment
from kinchain.api.web_support import (
    age_from_birth_year,
    check_csrf,
    line_chart,
    render,
    web_actor,
)
from kinchain.case import Case, case_from_mapping
from kinchain.errors import CaseError, KinchainError
from kinchain.store import repo
from kinchain.store.audit import Actor

router = APIRouter(include_in_schema=False)
CsrfDep = Annotated[None, Depends(check_csrf)]
HEADER_FINDINGS = {"age_years", "sex", "complaint_region", "setting", "onset", "duration_weeks"}
REGION_ORDER = ["knee", "hip", "lumbar_spine", "foot_ankle", "general"]
REGION_TITLES = {"knee": "Knee", "hip": "Hip and pelvis", "lumbar_spine": "Lower back",
                 "foot_ankle": "Foot and ankle", "general": "General, history and red flags"}
CONSENT_TEXT = ("I agree that kinchain keeps an anonymous copy of my answers and the result to improve the "
                "service. It does not include my name or contact details.")


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def require_clinician(request: Request) -> Actor:
    actor = web_actor(request)
    if actor is None:
        raise _LoginRedirect(request.url.path)
    return actor


class _LoginRedirect(Problem):
    def __init__(self, next_path: str) -> None:
        super().__init__(401, "login", "Sign in", "sign in first")
        self.next_path = next_path


ClinicianDep = Annotated[Actor, Depends(require_clinician)]


def install_login_redirect(app: Any) -> None:
    @app.exception_handler(_LoginRedirect)
    async def _to_login(request: Request, exc: _LoginRedirect) -> Response:
        return see_other(f"/login?next={exc.next_path}")


def _form_value(raw: str, ftype: str) -> bool | float | str | None:
    raw = raw.strip()
    if raw in ("", "unknown", "not_tested"):
        return None
    if ftype == "boolean":
        return raw in ("yes", "true", "positive")
    if ftype == "number":
        try:
            return float(raw)
        except ValueError:
            return raw  # validate_case names the field and the fix
    return raw


def _header_from_form(form: Any) -> dict[str, Any]:
    complaint: dict[str, Any] = {"region": str(form.get("region") or "")}
    for key in ("side", "onset"):
        if form.get(key):
            complaint[key] = str(form.get(key))
    if form.get("duration_weeks"):
        try:
            complaint["duration"] = float(str(form.get("duration_weeks")))
        except ValueError:
            complaint["duration"] = str(form.get("duration_weeks"))
    locations = [str(v) for v in form.getlist("location") if v]
    if locations:
        complaint["location"] = locations
    age_raw = str(form.get("age") or "")
    try:
        age: Any = float(age_raw)
    except ValueError:
        age = age_raw
    return {"patient": {"age": age, "sex": str(form.get("sex") or "")}, "complaint": complaint,
            "setting": str(form.get("setting") or "primary_care")}


def _locations() -> list[dict[str, str]]:
    kb = features.knowledge()
    return [{"id": f.id[4:], "label": f.question} for f in kb.findings.values() if f.id.startswith("loc_")]


# --- home and patient self-check ----------------------------------------------------------------------------

@router.get("/")
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/self-check")
def self_check_start(request: Request) -> Response:
    try:
        locations = _locations()
    except FeatureUnavailable as exc:
        return render(request, "unavailable.html", 503, missing=exc.extra.get("missing"))
    return render(request, "self_check_start.html", locations=locations, error=None, values={})


@router.post("/self-check/start")
async def self_check_begin(request: Request, _: CsrfDep) -> Response:
    form = await request.form()
    header = _header_from_form(form)
    header["setting"] = "primary_care"
    try:
        case = case_from_mapping(header)
        features.assess(case)  # validates the header against the vocabulary
    except CaseError as exc:
        return render(request, "self_check_start.html", 422, locations=_locations(), error=str(exc),
                      error_field=exc.field, values=dict(form))
    request.session["sc"] = {"header": case.model_dump(mode="json", exclude_none=True), "asked": [],
                             "answers": {}}
    return see_other("/self-check/question")


def _sc_state(request: Request) -> tuple[Case, Any] | None:
    sc = request.session.get("sc")
    if not isinstance(sc, dict):
        return None
    interview = features.interview()
    progress = interview.Progress(asked=list(sc.get("asked", [])), answers=dict(sc.get("answers", {})))
    return case_from_mapping(sc["header"]), progress


@router.get("/self-check/question")
def self_check_question(request: Request) -> Response:
    state = _sc_state(request)
    if state is None:
        return see_other("/self-check")
    case, progress = state
    interview = features.interview()
    q = interview.next_question(case, progress, features.knowledge(), "patient")
    if q is None:
        request.session["sc"]["stop"] = progress.stop_reason
        return see_other("/self-check/result")
    total = features.max_questions()
    n = len(progress.asked) + 1
    return render(request, "self_check_question.html", q=q, number=n, total=total,
                  description=_description(q.finding))


def _description(fid: str) -> str | None:
    finding = features.knowledge().findings.get(fid)  # a checklist question is not one finding
    return finding.description if finding else None


@router.post("/self-check/answer")
async def self_check_answer(request: Request, _: CsrfDep) -> Response:
    state = _sc_state(request)
    if state is None:
        return see_other("/self-check")
    case, progress = state
    form = await request.form()
    fid = str(form.get("finding") or "")
    kb = features.knowledge()
    interview = features.interview()
    if interview.is_checklist(fid):
        return _checklist_answer(request, case, progress, fid, form)
    if fid not in kb.findings:
        return see_other("/self-check/question")
    value = _form_value(str(form.get("answer") or ""), kb.findings[fid].type)
    if value is not None:
        trial = case.model_copy(update={"findings": {**progress.answers, fid: value}})
        try:
            from kinchain.case import validate_case

            validate_case(trial, kb)
        except CaseError as exc:
            q = interview.next_question(case, progress, kb, "patient")
            return render(request, "self_check_question.html", 422, q=q, number=len(progress.asked) + 1,
                          total=features.max_questions(), error=str(exc).split(": ", 1)[-1],
                          description=kb.findings[fid].description)
    interview.answer(progress, fid, value)
    request.session["sc"] = {**request.session["sc"], "asked": progress.asked, "answers": progress.answers}
    return see_other("/self-check/question")


def _checklist_answer(request: Request, case: Case, progress: Any, fid: str, form: Any) -> Response:
    """Ticked signs are present, unticked ones absent; 'not sure' leaves them all unknown."""
    interview = features.interview()
    q = interview.next_question(case, progress, features.knowledge(), "patient")
    if q is None or q.finding != fid:  # a stale or replayed form: show the current question
        return see_other("/self-check/question")
    ticked = [str(s) for s in form.getlist("sign")]
    error = None
    if str(form.get("answer") or "") == "unknown":
        interview.answer_checklist(progress, q, None)
    elif not ticked and form.get("none") != "yes":
        error = "Tick each one that applies to you, or tick 'None of these'."
    elif ticked and form.get("none") == "yes":
        error = "You ticked a sign and also 'None of these': untick one of them."
    else:
        try:
            interview.answer_checklist(progress, q, ticked)
        except ValueError:
            return see_other("/self-check/question")
    if error:
        return render(request, "self_check_question.html", 422, q=q, number=len(progress.asked) + 1,
                      total=features.max_questions(), error=error, description=None)
    request.session["sc"] = {**request.session["sc"], "asked": progress.asked, "answers": progress.answers}
    return see_other("/self-check/question")


def _self_check_result(request: Request) -> tuple[Case, Any, dict[str, Any] | None, str | None]:
    state = _sc_state(request)
    if state is None:
        raise _Restart()
    case, progress = state
    interview = features.interview()
    a = interview.current_assessment(case, progress, features.knowledge())
    full = case.model_copy(update={"findings": dict(progress.answers)})
    plan: dict[str, Any] | None = None
    plan_missing: str | None = None
    try:
        plan = features.build_plan(a, full, "patient")
    except FeatureUnavailable as exc:
        plan_missing = str(exc.extra.get("missing"))
    return full, a, plan, plan_missing


class _Restart(Exception):
    pass


@router.get("/self-check/result")
def self_check_result(request: Request) -> Response:
    try:
        _case, a, plan, plan_missing = _self_check_result(request)
    except _Restart:
        return see_other("/self-check")
    kb = features.knowledge()
    top = a.conditions[:3]
    return render(request, "self_check_result.html", a=a, plan=plan, plan_missing=plan_missing,
                  top=[(c, kb.conditions[c.id].patient_name) for c in top],
                  asked=len(request.session["sc"].get("asked", [])), consent_text=CONSENT_TEXT,
                  saved=request.session["sc"].get("saved"))


@router.get("/self-check/handout")
def self_check_handout(request: Request, format: str = "html") -> Response:
    try:
        _case, _a, plan, plan_missing = _self_check_result(request)
    except _Restart:
        return see_other("/self-check")
    if plan is None:
        raise FeatureUnavailable(plan_missing or "kinchain.plan.build_plan")
    h = features.render_handout(plan, "pdf" if format == "pdf" else "html")
    return Response(h.content, media_type=h.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{h.filename}"'})


@router.post("/self-check/consent")
async def self_check_consent(request: Request, _: CsrfDep, services: ServicesDep) -> Response:
    form = await request.form()
    if form.get("consent") != "yes":
        return see_other("/self-check/result")
    try:
        case, a, _plan, _m = _self_check_result(request)
    except _Restart:
        return see_other("/self-check")
    with services.tx() as s:
        rec = repo.save_self_check(s, consent_text=CONSENT_TEXT, case=case.model_dump(mode="json",
                                   exclude_none=True), result=a.to_json_dict(),
                                   knowledge_version=a.knowledge_version)
    request.session["sc"] = {**request.session["sc"], "saved": rec.id}
    return see_other("/self-check/result")


@router.post("/self-check/reset")
async def self_check_reset(request: Request, _: CsrfDep) -> Response:
    request.session.pop("sc", None)
    return see_other("/self-check")


# --- clinician sign-in --------------------------------------------------------------------------------------

@router.get("/login")
def login_page(request: Request, next: str = "/clinic") -> Response:
    safe = next.startswith("/") and not next.startswith(("//", "/\\"))
    return render(request, "login.html", next=next if safe else "/clinic", error=None)


@router.post("/login")
async def login_submit(request: Request, _: CsrfDep, services: ServicesDep) -> Response:
    form = await request.form()
    email, password = str(form.get("email") or ""), str(form.get("password") or "")
    nxt = str(form.get("next") or "/clinic")
    if not nxt.startswith("/") or nxt.startswith(("//", "/\\")):
        nxt = "/clinic"  # only local paths: no open redirect
    # the sign-in check does blocking I/O and hashing: run it off the event loop
    result = await run_in_threadpool(signin.sign_in, services, email, password,
                                     request.client.host if request.client else None, "web")
    if result.retry_after is not None:
        page = render(request, "login.html", 429, next=nxt,
                      error=f"Too many failed sign-ins. For your security, try again in "
                            f"{signin.wait_text(result.retry_after)}.")
        page.headers["Retry-After"] = str(result.retry_after)
        return page
    user = result.user
    if user is None:
        return render(request, "login.html", 401, next=nxt, error="Wrong e-mail or password.")
    request.session.clear()
    request.session["user"] = {"id": user.id, "email": user.email, "role": user.role,
                               "clinic_id": user.clinic_id}
    return see_other(nxt)


@router.post("/logout")
async def logout(request: Request, _: CsrfDep) -> Response:
    request.session.clear()
    return see_other("/")


# --- clinician workspace ------------------------------------------------------------------------------------

@router.get("/clinic")
def clinic_home(request: Request, actor: ClinicianDep, services: ServicesDep) -> Response:
    with services.tx() as s:
        patients = repo.list_patients(s, actor, limit=200)
    return render(request, "clinic.html", patients=patients, error=None)


@router.post("/clinic/patients")
async def clinic_new_patient(request: Request, _: CsrfDep, actor: ClinicianDep, services: ServicesDep
                             ) -> Response:
    form = await request.form()
    ref = str(form.get("reference") or "").strip()
    by = str(form.get("birth_year") or "").strip()
    sex = str(form.get("sex") or "") or None
    error = None
    if not ref or len(ref) > 100:
        error = "Reference: give the clinic's own label for this patient (1 to 100 characters)."
    elif by and (not by.isdigit() or not 1900 <= int(by) <= 2100):
        error = "Year of birth: write a four-digit year, for example 1958."
    elif sex not in (None, "female", "male"):
        error = "Sex: choose female or male."
    if error:
        with services.tx() as s:
            patients = repo.list_patients(s, actor, limit=200)
        return render(request, "clinic.html", 422, patients=patients, error=error)
    with services.tx() as s:
        p = repo.create_patient(s, actor, reference=ref, birth_year=int(by) if by else None, sex=sex)
    return see_other(f"/clinic/patients/{p.id}")


def _prom_chart(proms: list[Any]) -> list[dict[str, Any]]:
    charts = []
    by_inst: dict[str, list[Any]] = {}
    for r in proms:
        by_inst.setdefault(r.instrument, []).append(r)
    for inst, rows in by_inst.items():
        series: dict[str, list[tuple[str, float]]] = {}
        lo, hi = 0.0, 100.0
        for r in rows:
            lo = float(r.score.get("score_min", lo))
            hi = float(r.score.get("score_max", hi))
            when = r.score.get("date") or r.recorded_at.isoformat()
            for sub in r.score.get("subscales", []):
                if sub.get("score") is not None:
                    series.setdefault(sub.get("name") or sub.get("subscale"), []).append((when, sub["score"]))
        name = rows[-1].score.get("name", inst)
        charts.append({"instrument": inst, "name": name, "rows": rows, "series": series,
                       "higher_is_better": rows[-1].score.get("higher_is_better", True),
                       "chart": line_chart(series, lo, hi)})
    return charts


@router.get("/clinic/patients/{patient_id}")
def clinic_patient(request: Request, patient_id: str, actor: ClinicianDep, services: ServicesDep) -> Response:
    with services.tx() as s:
        t = repo.timeline(s, actor, patient_id)
    events = sorted([("assessment", a.created_at, a) for a in t["assessments"]]
                    + [("plan", p.created_at, p) for p in t["plans"]]
                    + [("prom", r.recorded_at, r) for r in t["proms"]], key=lambda e: e[1])
    return render(request, "patient.html", t=t, events=events, charts=_prom_chart(t["proms"]),
                  instruments=features.prom_instruments())


@router.get("/clinic/patients/{patient_id}/proms/new")
def clinic_prom_form(request: Request, patient_id: str, actor: ClinicianDep, services: ServicesDep,
                     instrument: str = "") -> Response:
    from kinchain.outcomes import get_instrument

    with services.tx() as s:
        p = repo.get_patient(s, actor, patient_id)
    try:
        inst = get_instrument(instrument)
    except KinchainError as exc:
        raise Problem(404, "not-found", "Not found", str(exc)) from None
    return render(request, "prom_form.html", p=p, inst=inst, error=None)


@router.post("/clinic/patients/{patient_id}/proms")
async def clinic_prom_submit(request: Request, patient_id: str, _: CsrfDep, actor: ClinicianDep,
                             services: ServicesDep) -> Response:
    from kinchain.outcomes import get_instrument

    form = await request.form()
    instrument = str(form.get("instrument") or "")
    responses: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key.startswith("item:") and str(value).strip() != "":
            v = str(value).strip()
            responses[key[5:]] = int(v) if v.lstrip("-").isdigit() else v
    date = str(form.get("date") or "") or None
    with services.tx() as s:
        p = repo.get_patient(s, actor, patient_id)
    try:
        scored = features.score_prom(instrument, responses, date)
    except KinchainError as exc:
        return render(request, "prom_form.html", 422, p=p, inst=get_instrument(instrument), error=str(exc))
    with services.tx() as s:
        repo.save_prom(s, actor, patient_id=patient_id, instrument=scored.get("instrument", instrument),
                       responses=responses, score=scored)
    return see_other(f"/clinic/patients/{patient_id}")


def _exam_groups() -> list[dict[str, Any]]:
    kb = features.knowledge()
    groups: dict[str, list[Any]] = {r: [] for r in REGION_ORDER}
    for f in kb.findings.values():
        if f.id in HEADER_FINDINGS or f.id.startswith("loc_"):
            continue
        groups.setdefault(f.region, []).append(f)
    return [{"id": r, "title": REGION_TITLES.get(r, r), "findings": sorted(fs, key=lambda f: (f.group, f.id))}
            for r, fs in groups.items() if fs]


@router.get("/clinic/patients/{patient_id}/exam")
def clinic_exam(request: Request, patient_id: str, actor: ClinicianDep, services: ServicesDep) -> Response:
    with services.tx() as s:
        p = repo.get_patient(s, actor, patient_id)
    values = {"age": age_from_birth_year(p.birth_year) or "", "sex": p.sex or ""}
    return render(request, "exam.html", p=p, groups=_exam_groups(), locations=_locations(), values=values,
                  error=None, error_field=None)


@router.post("/clinic/patients/{patient_id}/exam")
async def clinic_exam_submit(request: Request, patient_id: str, _: CsrfDep, actor: ClinicianDep,
                             services: ServicesDep) -> Response:
    form = await request.form()
    kb = features.knowledge()
    data = _header_from_form(form)
    findings: dict[str, Any] = {}
    for key, raw in form.multi_items():
        if key.startswith("f:"):
            fid = key[2:]
            f = kb.findings.get(fid)
            value = _form_value(str(raw), f.type if f else "category")
            if value is not None:
                findings[fid] = value
    data["findings"] = findings
    with services.tx() as s:
        p = repo.get_patient(s, actor, patient_id)
    try:
        case = case_from_mapping(data)
        rec, _case = store_assessment(services, actor, case, patient_id)
    except CaseError as exc:
        values = {k: v for k, v in form.multi_items()}
        return render(request, "exam.html", 422, p=p, groups=_exam_groups(), locations=_locations(),
                      values=values, error=str(exc), error_field=exc.field)
    return see_other(f"/clinic/assessments/{rec.id}")


@router.get("/clinic/assessments/{assessment_id}")
def clinic_assessment(request: Request, assessment_id: str, actor: ClinicianDep, services: ServicesDep
                      ) -> Response:
    with services.tx() as s:
        rec = repo.get_assessment(s, actor, assessment_id)
        case = repo.assessment_case(s, rec)
        plans = repo.plans_for_assessment(s, actor, assessment_id)
    a, refs = features.stored_assessment(rec.result)
    try:
        kb = features.knowledge()
        names = {fid: f.question for fid, f in kb.findings.items()}
    except FeatureUnavailable:
        names = {}
    return render(request, "assessment.html", rec=rec, a=a, refs=refs, case=case, plans=plans, names=names)


@router.post("/clinic/assessments/{assessment_id}/plans")
async def clinic_make_plan(request: Request, assessment_id: str, _: CsrfDep, actor: ClinicianDep,
                           services: ServicesDep) -> Response:
    form = await request.form()
    audience = "clinician" if form.get("audience") == "clinician" else "patient"
    with services.tx() as s:
        rec = repo.get_assessment(s, actor, assessment_id)
        case_json = repo.assessment_case(s, rec)
    plan = features.build_plan(features.rebuild_assessment(rec.result), case_from_mapping(case_json), audience)
    with services.tx() as s:
        rec2 = repo.get_assessment(s, actor, assessment_id)
        p = repo.save_plan(s, actor, assessment=rec2, audience=audience, plan=plan,
                           knowledge_version=rec2.knowledge_version)
    return see_other(f"/clinic/plans/{p.id}")


@router.get("/clinic/plans/{plan_id}")
def clinic_plan(request: Request, plan_id: str, actor: ClinicianDep, services: ServicesDep) -> Response:
    with services.tx() as s:
        rec = repo.get_plan(s, actor, plan_id)
    eff = features.effective_plan(rec.plan, rec.edits)
    refs = rec.plan.get("references") or {}
    if not refs:
        try:
            refs = features.references_for(rec.plan, features.knowledge())
        except FeatureUnavailable:
            refs = {}
    return render(request, "plan.html", rec=rec, plan=rec.plan, eff=eff, edits=rec.edits, refs=refs)


@router.post("/clinic/plans/{plan_id}")
async def clinic_plan_edit(request: Request, plan_id: str, _: CsrfDep, actor: ClinicianDep,
                           services: ServicesDep) -> Response:
    form = await request.form()
    with services.tx() as s:
        rec = repo.get_plan(s, actor, plan_id, purpose="edit")
        keep = set(form.getlist("keep"))
        removed = [ex["id"] for ex in rec.plan.get("exercises", []) if ex["id"] not in keep]
        overrides: dict[str, dict[str, int]] = {}
        for ex in rec.plan.get("exercises", []):
            ov: dict[str, int] = {}
            for key, lo, hi in (("sets", 1, 10), ("reps", 1, 100)):
                raw = str(form.get(f"{key}:{ex['id']}") or "").strip()
                if raw.isdigit() and lo <= int(raw) <= hi and int(raw) != ex.get(key):
                    ov[key] = int(raw)
            if ov:
                overrides[ex["id"]] = ov
        note = str(form.get("note") or "")[:2000]
        repo.edit_plan(s, actor, plan_id, {"removed_exercises": removed, "exercise_overrides": overrides,
                                           "note": note})
    return see_other(f"/clinic/plans/{plan_id}")


@router.get("/clinic/plans/{plan_id}/handout")
def clinic_handout(request: Request, plan_id: str, actor: ClinicianDep, services: ServicesDep,
                   format: str = "html") -> Response:
    fmt = "pdf" if format == "pdf" else "html"
    with services.tx() as s:
        rec = repo.get_plan(s, actor, plan_id, purpose=f"handout-{fmt}")
    h = features.render_handout(features.effective_plan(rec.plan, rec.edits), fmt)
    return Response(h.content, media_type=h.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{h.filename}"'})
