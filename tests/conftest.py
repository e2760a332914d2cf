from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def small_kb():
    from kinchain.knowledge import build_knowledge

    return build_knowledge(ROOT / "tests" / "fixtures" / "kb_small")


@pytest.fixture(scope="session")
def kb():
    from kinchain.knowledge import load_knowledge

    return load_knowledge()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    try:
        from tests.test_validation_cases import METRICS
    except ImportError:
        return
    if "validation" in METRICS:
        terminalreporter.write_sep("=", "validation against published cases")
        for k, v in METRICS["validation"].items():
            terminalreporter.write_line(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}")
        for part in ("seen", "heldout"):
            if f"validation_{part}" in METRICS:
                terminalreporter.write_line(f"-- {part} cases --")
                for k, v in METRICS[f"validation_{part}"].items():
                    terminalreporter.write_line(f"  {k}: {v:.3f}" if isinstance(v, float) else f"  {k}: {v}")
        for cid, text in METRICS.get("validation_misses", {}).items():
            terminalreporter.write_line(f"  miss {cid}: {text}")
