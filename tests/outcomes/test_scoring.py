"""PROM scoring against hand-computed values (formulas from the developers' scoring guides)."""

from __future__ import annotations

import pytest

from kinchain.errors import OutcomeError
from kinchain.outcomes import get_instrument, load_instruments, score

KOOS_FULL = {
    # pain: 0,1,2,3,4,0,1,2,3 -> mean 16/9 -> 100 - 16/9*25 = 55.56
    **{f"P{i}": v for i, v in enumerate([0, 1, 2, 3, 4, 0, 1, 2, 3], start=1)},
    # symptoms: all 1 -> 75
    **{f"S{i}": 1 for i in range(1, 8)},
    # ADL: 17 items, 10 x 0 and 7 x 4 -> mean 28/17 -> 100 - 28/17*25 = 58.82
    **{f"A{i}": (4 if i <= 7 else 0) for i in range(1, 18)},
    # sport/rec: 4,4,4,4,4 -> 0
    **{f"SP{i}": 4 for i in range(1, 6)},
    # QOL: 2,2,3,3 -> mean 2.5 -> 37.5
    "Q1": 2, "Q2": 2, "Q3": 3, "Q4": 3,
}


def test_instrument_set_and_item_codes() -> None:
    inst = load_instruments()
    assert set(inst) == {"KOOS", "HOOS", "LEFS", "OKS", "OHS", "NPRS"}
    koos = inst["KOOS"]
    assert [len(s.items) for s in koos.subscales] == [9, 7, 17, 5, 4]
    assert len(koos.item_codes) == 42
    hoos = inst["HOOS"]
    assert [len(s.items) for s in hoos.subscales] == [10, 5, 17, 4, 4]
    assert len(hoos.item_codes) == 40
    assert len(inst["LEFS"].item_codes) == 20
    assert len(inst["OKS"].item_codes) == len(inst["OHS"].item_codes) == 12
    # 2012 / 2013 rules: at least half of each subscale's items
    assert [s.min_answered for s in koos.subscales] == [5, 4, 9, 3, 2]
    assert [s.min_answered for s in hoos.subscales] == [5, 3, 9, 2, 2]


def test_koos_full_hand_computed() -> None:
    r = score("KOOS", KOOS_FULL)
    assert r.scores == {"pain": 55.56, "symptoms": 75.0, "adl": 58.82, "sport_rec": 0.0, "qol": 37.5}
    assert all(s.imputed == 0 for s in r.subscales)


def test_koos_extremes() -> None:
    best = score("KOOS", dict.fromkeys(get_instrument("KOOS").item_codes, 0))
    worst = score("KOOS", dict.fromkeys(get_instrument("KOOS").item_codes, 4))
    assert set(best.scores.values()) == {100.0}
    assert set(worst.scores.values()) == {0.0}


def test_koos_missing_rule_half_answered_and_mean_imputation() -> None:
    # pain: 5 of 9 answered (2,2,2,1,3 -> mean 2.0 -> 50); scored, 4 imputed
    five = {"P1": 2, "P2": 2, "P3": 2, "P4": 1, "P5": 3}
    r = score("KOOS", five)
    pain = r.subscales[0]
    assert (pain.score, pain.answered, pain.imputed) == (50.0, 5, 4)
    # the score equals the one with the 4 missing items filled with the mean of the answered
    filled = score("KOOS", {**five, "P6": 2, "P7": 2, "P8": 2, "P9": 2})
    assert filled.scores["pain"] == 50.0
    # 4 of 9 answered -> not scored, with the reason
    four = score("KOOS", {"P1": 2, "P2": 2, "P3": 2, "P4": 1})
    assert four.scores["pain"] is None
    assert "at least 5" in (four.subscales[0].reason or "")
    # untouched subscales are null too
    assert four.scores["qol"] is None


def test_koos_explicit_null_counts_as_missing() -> None:
    r = score("KOOS", {"Q1": 1, "Q2": None, "Q3": 3, "Q4": None})  # 2 of 4 -> scored, mean 2 -> 50
    assert r.scores["qol"] == 50.0
    r = score("KOOS", {"Q1": 1, "Q2": None, "Q3": None, "Q4": None})
    assert r.scores["qol"] is None


def test_hoos_hand_computed_and_missing_rule() -> None:
    resp = {f"P{i}": 1 for i in range(1, 11)}                 # pain 75
    resp.update({"S1": 3, "S2": 3, "S3": 2})                  # 3 of 5 -> mean 8/3 -> 33.33
    resp.update({"SP1": 0, "SP2": 4})                          # 2 of 4 -> mean 2 -> 50
    resp.update({"Q1": 4})                                     # 1 of 4 -> null
    r = score("hoos", resp)
    assert r.instrument == "HOOS"
    assert r.scores == {"pain": 75.0, "symptoms": 33.33, "adl": None, "sport_rec": 50.0, "qol": None}
    assert score("HOOS", {"S1": 3, "S2": 3}).scores["symptoms"] is None


def test_lefs_sum_and_proration() -> None:
    full = {str(i): (4 if i <= 10 else 2) for i in range(1, 21)}   # 40 + 20 = 60
    assert score("LEFS", full).scores == {"total": 60.0}
    assert score("LEFS", dict.fromkeys(map(str, range(1, 21)), 4)).scores["total"] == 80.0
    sixteen = {str(i): 3 for i in range(1, 17)}                    # 16 answered, mean 3 -> 60
    r = score("LEFS", sixteen)
    assert r.scores["total"] == 60.0 and r.subscales[0].imputed == 4
    assert r.missing_rule_status == "unconfirmed"
    assert score("LEFS", {str(i): 3 for i in range(1, 16)}).scores["total"] is None
    # integer keys are accepted as item codes
    assert score("LEFS", {i: 1 for i in range(1, 21)}).scores["total"] == 20.0


def test_oxford_scores_new_0_4_scoring() -> None:
    oks = {str(i): v for i, v in enumerate([4, 4, 3, 3, 2, 2, 1, 1, 0, 0, 4, 4], start=1)}   # 28
    assert score("OKS", oks).scores == {"total": 28.0}
    assert score("oxford_hip_score", dict.fromkeys(map(str, range(1, 13)), 4)).scores == {"total": 48.0}
    eleven = {str(i): 2 for i in range(1, 12)}                     # 11 answered mean 2 -> 24
    assert score("OHS", eleven).scores["total"] == 24.0
    assert score("OHS", {str(i): 2 for i in range(1, 10)}).scores["total"] is None   # 3 missing


def test_nprs() -> None:
    r = score("NPRS", {"NPRS": 7})
    assert r.scores == {"pain": 7.0}
    assert r.higher_is_better is False
    assert score("NPRS", {"NPRS": 0}).scores["pain"] == 0.0


@pytest.mark.parametrize(
    ("instrument", "responses", "needle"),
    [
        ("WOMAC", {"P1": 1}, "unknown instrument 'WOMAC'"),
        ("KOOS", {"P10": 1}, "unknown item code 'P10'"),
        ("KOOS", {"X1": 1}, "unknown item code 'X1'"),
        ("KOOS", {"P1": 5}, "KOOS item P1: value 5 is outside"),
        ("KOOS", {"P1": -1}, "value -1 is outside"),
        ("OKS", {"1": 5}, "OKS item 1: value 5 is outside the instrument's range 0-4"),
        ("NPRS", {"NPRS": 11}, "range 0-10"),
        ("KOOS", {"P1": 2.5}, "not a whole number"),
        ("KOOS", {"P1": True}, "expected a whole number"),
        ("KOOS", {"P1": "2"}, "expected a whole number"),
        ("KOOS", [1, 2], "responses must be a mapping"),
        ("KOOS", {"P1": 1, "p1": 2}, "given twice"),
    ],
)
def test_bad_input_names_the_problem(instrument: str, responses: object, needle: str) -> None:
    with pytest.raises(OutcomeError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        score(instrument, responses)  # type: ignore[arg-type]


def test_item_codes_case_insensitive() -> None:
    assert score("koos", {"p1": 0, "p2": 0, "p3": 0, "p4": 0, "p5": 0}).scores["pain"] == 100.0


def test_dates_must_be_iso() -> None:
    import datetime as dt

    assert score("NPRS", {"NPRS": 1}, date="2026-11-01").date == "2026-11-01"
    assert score("NPRS", {"NPRS": 1}, date=dt.date(2026, 11, 1)).date == "2026-11-01"
    assert score("NPRS", {"NPRS": 1}, date="2026-11-01T10:00:00Z").date == "2026-11-01T10:00:00Z"
    with pytest.raises(OutcomeError, match="not an ISO 8601 date"):
        score("NPRS", {"NPRS": 1}, date="last tuesday")
    with pytest.raises(OutcomeError, match="time zone"):
        score("NPRS", {"NPRS": 1}, date="2026-11-01T10:00:00")
