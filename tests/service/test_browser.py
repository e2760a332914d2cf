"""Real browser (Debian chromium, headless, via Playwright) against the real server.

Completes a patient self-check and a clinician exam, downloads the handout, runs axe-core on every page
visited and saves screenshots under artifacts/screenshots/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.service.conftest import ARTIFACTS, in_ci
from tests.service.server import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage"]
SHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory, needs_engine):
    from kinchain.api.security import hash_password
    from kinchain.store import db, repo

    data_dir = tmp_path_factory.mktemp("kc-browser")
    engine = db.create_db_engine(db.sqlite_url(data_dir))
    db.migrate(engine)
    with db.transaction(db.make_sessionmaker(engine)) as s:
        c = repo.get_or_create_clinic(s, "Browser clinic")
        repo.create_user(s, email="physio@example.org", password_hash=hash_password("browser-pass-1"),
                         role="clinician", clinic_id=c.id)
    engine.dispose()
    srv = Server(data_dir).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if in_ci():
            pytest.fail(f"CI=true but chromium is missing at {CHROMIUM}; .ci/run must install it", pytrace=False)
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    ctx = browser.new_context(base_url=server.url, accept_downloads=True, viewport={"width": 1100, "height": 900})
    pg = ctx.new_page()
    yield pg
    ctx.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check_axe(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag",
                                                   "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


def test_patient_self_check_in_the_browser(page, tmp_path):
    page.goto("/self-check")
    check_axe(page, "self-check start")
    shot(page, "01-self-check-start")
    page.get_by_label("Your age in years").fill("34")
    page.get_by_label("Female").check()
    page.get_by_label("Where is the pain mainly?").select_option("knee")
    page.get_by_label("How did it start?").select_option("gradual")
    page.get_by_label("For how many weeks have you had it?").fill("8")
    page.get_by_role("button", name="Start the questions").click()
    questions = 0
    checklist_seen = False
    while page.locator("progress").count() and questions < 40:
        if questions == 0:
            assert "Question 1 of at most" in page.locator(".progress-text").inner_text()
            check_axe(page, "self-check question")
            shot(page, "02-self-check-question")
        if page.get_by_label("None of these").count():  # the warning-sign checklist
            if not checklist_seen:
                checklist_seen = True
                check_axe(page, "self-check checklist")
                shot(page, "02b-self-check-checklist")
            page.get_by_label("None of these").check()
        elif page.get_by_label("No", exact=True).count():
            page.get_by_label("No", exact=True).check()
        elif page.get_by_label("I don't know").count():
            page.get_by_label("I don't know").check()
        # answer with the keyboard, as a keyboard-only user would
        page.get_by_role("button", name="Next").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        questions += 1
    assert checklist_seen, "the self-check must screen warning signs with a checklist"
    assert page.get_by_role("heading", name="Your result").is_visible()
    assert page.locator(".triage").count() == 1
    check_axe(page, "self-check result")
    shot(page, "03-self-check-result")
    handout = page.get_by_role("link", name="Download your handout (HTML)")
    assert handout.count(), "the self-check result must offer the handout"
    with page.expect_download() as dl:
        handout.click()
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.stat().st_size > 500


def test_clinician_exam_and_handout_in_the_browser(page, tmp_path):
    page.goto("/clinic")
    assert "/login" in page.url
    check_axe(page, "login")
    page.get_by_label("E-mail").fill("physio@example.org")
    page.get_by_label("Password").fill("browser-pass-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Reference (clinic label, no names)").fill("B-042")
    page.get_by_label("Year of birth").fill("1961")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Add patient").click()
    assert page.get_by_role("heading", name="Patient B-042").is_visible()
    page.get_by_role("link", name="New exam").click()
    check_axe(page, "exam form")
    shot(page, "04-clinician-exam-form")
    page.get_by_label("Complaint region").select_option("knee")
    page.get_by_label("Onset").select_option("gradual")
    page.get_by_label("Duration (weeks)").fill("16")
    # record a few findings: the first yes/no finding of the knee section as positive
    knee = page.locator("#region-knee select").first
    knee.select_option("yes")
    page.get_by_role("button", name="Assess").click()
    assert page.get_by_role("heading", name="Assessment").is_visible()
    assert page.locator("svg.bar").count() >= 3
    assert page.get_by_role("heading", name="Next best tests").is_visible()
    check_axe(page, "assessment results")
    shot(page, "05-clinician-results")
    page.get_by_role("button", name="Make a care plan").click()
    assert page.get_by_role("heading", name="Care plan").is_visible()
    page.get_by_label("Note for the patient (shown on the handout)").fill("Walk 20 minutes every day.")
    page.get_by_role("button", name="Save changes").click()
    check_axe(page, "care plan")
    shot(page, "06-clinician-plan")
    with page.expect_download() as dl:
        page.locator("#handout-html").click()
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert "Walk 20 minutes every day." in text
    page.goto(page.url.split("/clinic/")[0] + "/clinic")
    page.get_by_role("link", name="B-042").click()
    for date, score in (("2026-01-05", "7"), ("2026-02-02", "4"), ("2026-03-02", "2")):
        page.get_by_label("Record an outcome measure").select_option("NPRS")
        page.get_by_role("button", name="Open form").click()
        page.get_by_label("Date (YYYY-MM-DD)").fill(date)
        page.get_by_label("Item NPRS").fill(score)
        page.get_by_role("button", name="Save and score").click()
    assert page.locator("svg.chart polyline").count() == 1
    assert page.locator("svg.chart circle").count() == 3
    check_axe(page, "patient timeline")
    shot(page, "07-patient-timeline")
