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
