"""Care plans that treat the source: pathways by driver and condition, exercise library, timeline, safety.

``build_plan(assessment, case, audience)`` returns a :class:`CarePlan`; see docs/plan.md.
"""

from kinchain.plan.builder import build_plan
from kinchain.plan.models import CarePlan

__all__ = ["CarePlan", "build_plan"]
