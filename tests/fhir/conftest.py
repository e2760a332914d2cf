from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kinchain.case import Case, case_from_mapping

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def make_case(**over: Any) -> Case:
    data: dict[str, Any] = {
        "id": "fhir-case-1",
        "patient": {"age": 67, "sex": "female"},
        "complaint": {"region": "knee", "side": "right", "location": ["groin"], "onset": "gradual",
                      "duration": "12 weeks"},
        "setting": "primary_care",
        "findings": {"f1": True, "f3": False, "ir_deg": 12},
    }
    data.update(over)
    return case_from_mapping(data)


@pytest.fixture
def case() -> Case:
    return make_case()
