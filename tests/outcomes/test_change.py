"""Change vs MIC and measurement error; series verdicts; validator of the knowledge section."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from kinchain.errors import KnowledgeError, OutcomeError
from kinchain.knowledge.loader import build_knowledge, data_dir
from kinchain.outcomes import compare, get_instrument, score, series
from kinchain.outcomes.change import subscale_change
from kinchain.outcomes.instruments import validate_section

SMALL_KB = Path(__file__).resolve().parents[1] / "fixtures" / "kb_small"


def _oks_total(total: int) -> dict[str, int]:
    """12 items summing to ``total`` (0-48)."""
    base, rest = divmod(total, 12)
    return {str(i): base + (1 if i <= rest else 0) for i in range(1, 13)}


@pytest.mark.parametrize(
    ("before", "after", "verdict", "important", "beyond_error"),
    [
        (20, 30, "improved", True, True),      # +10 >= MIC 7 and >= MDC90 4 (Beard 2015)
        (20, 26, "unchanged", False, True),    # +6: beyond error, below MIC
        (20, 23, "unchanged", False, False),   # +3: within error
        (20, 16, "worse", False, True),        # -4: reaches the measurement error
        (20, 17, "unchanged", False, False),   # -3: within error
    ],
)
def test_oks_verdicts(before: int, after: int, verdict: str, important: bool, beyond_error: bool) -> None:
    ch = compare(score("OKS", _oks_total(before)), score("OKS", _oks_total(after)))["total"]
    assert (ch.verdict, ch.important, ch.beyond_error) == (verdict, important, beyond_error)
    assert ch.change == after - before
    assert ch.mic is not None and ch.mic["value"] == 7 and "NHS PROMs" in ch.mic["population"]
    assert ch.error is not None and ch.error["value"] == 4


@pytest.mark.parametrize(
    ("before", "after", "verdict", "percent"),
    [
        (6, 4, "improved", 33.3),   # 2 points and >= 30% (Farrar 2001)
        (8, 6, "unchanged", 25.0),  # 2 points but only 25%
        (3, 2, "unchanged", 33.3),  # 33% but only 1 point
        (4, 6, "worse", -50.0),     # no measurement error known -> MIC 2 is the bound
        (4, 5, "unchanged", -25.0),
    ],
)
def test_nprs_points_and_percent(before: int, after: int, verdict: str, percent: float) -> None:
    ch = compare(score("NPRS", {"NPRS": before}), score("NPRS", {"NPRS": after}))["pain"]
    assert ch.verdict == verdict
    assert ch.percent == percent
    assert ch.improvement == before - after  # lower NPRS is better


def test_nprs_alternative_threshold_salaffi() -> None:
    ch = compare(score("NPRS", {"NPRS": 3}), score("NPRS", {"NPRS": 2}), mic="nprs_mic_minimal_salaffi")["pain"]
    assert ch.verdict == "improved"   # 1 point and 33% >= 1 point / 15%
    assert ch.mic is not None and "825" in ch.mic["population"]


def test_unknown_threshold_is_named() -> None:
    with pytest.raises(OutcomeError, match="unknown mic threshold 'nope'"):
        compare(score("NPRS", {"NPRS": 3}), score("NPRS", {"NPRS": 2}), mic="nope")


def test_koos_uses_mic_when_no_error_known() -> None:
    koos = get_instrument("KOOS")
    up = subscale_change(koos, "pain", 50.0, 66.0)
    assert up.verdict == "improved" and up.error is None and up.mic is not None and up.mic["value"] == 15
    assert subscale_change(koos, "pain", 50.0, 60.0).verdict == "unchanged"
    down = subscale_change(koos, "pain", 50.0, 35.0)
    assert down.verdict == "worse" and "no measurement error known" in down.reason
    assert subscale_change(koos, "pain", None, 60.0).verdict == "not_scored"


def test_hoos_subscale_without_mic_uses_measurement_error() -> None:
    hoos = get_instrument("HOOS")
    ch = subscale_change(hoos, "symptoms", 50.0, 70.0)   # MDC 15 (Gojlo 2020), no MIC stored
    assert ch.mic is None and ch.error is not None and ch.error["value"] == 15.0
    assert ch.verdict == "improved"
    assert subscale_change(hoos, "symptoms", 50.0, 60.0).verdict == "unchanged"
    # pain: MIC 24 and MDC 26.2 -> +25 is important but within error
    pain = subscale_change(hoos, "pain", 40.0, 65.0)
    assert pain.important is True and pain.beyond_error is False and pain.verdict == "unchanged"


def test_series_orders_by_date_and_reports_steps() -> None:
    a = score("OKS", _oks_total(18), date="2026-01-10")
    b = score("OKS", _oks_total(24), date="2026-02-10")
    c = score("OKS", _oks_total(33), date="2026-04-10")
    s = series([c, a, b])
    assert [p["date"] for p in s.points] == ["2026-01-10", "2026-02-10", "2026-04-10"]
    assert s.verdicts["total"].verdict == "improved" and s.verdicts["total"].change == 15
    assert [st["verdicts"]["total"] for st in s.steps] == ["unchanged", "improved"]


def test_series_single_instrument_only() -> None:
    with pytest.raises(OutcomeError, match="one instrument"):
        series([score("OKS", _oks_total(10)), score("OHS", _oks_total(10))])
    with pytest.raises(OutcomeError, match="at least one"):
        series([])


def test_series_acceptable_state_hoos() -> None:
    base = score("HOOS", {f"P{i}": 2 for i in range(1, 11)} | {f"Q{i}": 2 for i in range(1, 5)})
    last = score("HOOS", {f"P{i}": 0 for i in range(1, 11)} | {f"Q{i}": 1 for i in range(1, 5)})
    s = series([base, last])
    assert s.acceptable_state["pain"]["acceptable"] is True      # 100 >= PASS 91 (Paulsen 2014)
    assert s.acceptable_state["qol"]["acceptable"] is False      # 75 < 83
    assert s.verdicts["pain"].verdict == "improved"              # +50 >= MIC 24 and MDC 26.2


def _kb_dir(tmp: Path, instruments: list[Any] | None = None) -> Path:
    """The small test knowledge base plus instruments.yaml (optionally with altered entries)."""
    shutil.copy(SMALL_KB / "kb.yaml", tmp / "kb.yaml")
    raw = yaml.safe_load((data_dir() / "instruments.yaml").read_text(encoding="utf-8"))
    if instruments is not None:
        raw["instruments"] = instruments
    (tmp / "instruments.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return tmp


def test_validate_section_clean_for_bundled_file(tmp_path: Path) -> None:
    kb = build_knowledge(_kb_dir(tmp_path))          # runs the registered validator
    assert validate_section(kb) == []
    assert len(kb.extra["instruments"]) == 6


def test_validate_section_reports_every_problem(tmp_path: Path) -> None:
    raw = yaml.safe_load((data_dir() / "instruments.yaml").read_text(encoding="utf-8"))
    entries = copy.deepcopy(raw["instruments"])
    entries[0]["citation"] = ["no_such_ref"]
    entries[1]["subscales"][1]["min_answered"] = 9
    entries[2]["thresholds"][0]["values"] = {"bogus": 3}
    entries.append(copy.deepcopy(entries[5]))
    with pytest.raises(KnowledgeError) as err:
        build_knowledge(_kb_dir(tmp_path, entries))
    text = "\n".join(err.value.problems)
    assert "citation 'no_such_ref' does not resolve" in text
    assert "min_answered 9 exceeds" in text
    assert "unknown subscale(s) ['bogus']" in text
    assert "duplicate instrument id 'NPRS'" in text
