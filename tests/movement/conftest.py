"""Fixtures for the movement tests: the real motion data in shared/data/motion and the knowledge base.

Data attribution (see shared/data/motion/SOURCES.md): Qualisys C3D from pyomeca/ezc3d (MIT); walking and
running TRC/MOT "Data from BMClab/BMC, Marcos Duarte, CC BY 4.0"; OpenCap TRC/MOT from
stanfordnmbl/opencap-processing (Apache-2.0); demo video from davidpagnon/Sports2D (BSD-3-Clause).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kinchain.knowledge.loader import Knowledge

from .kbutil import load_kb_lenient

REPO = Path(__file__).resolve().parents[2]
MOTION = (REPO / ".." / "shared" / "data" / "motion").resolve()


def motion_file(rel: str) -> Path:
    path = MOTION / rel
    if not path.exists():
        pytest.skip(f"real motion data not found at {path} (shared/ must sit beside the repository clone)")
    return path


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    """The bundled knowledge base (unvalidated load while other files are mid-edit, see kbutil)."""
    return load_kb_lenient()
