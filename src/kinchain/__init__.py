"""kinchain: find where lower-limb pain comes from along the kinetic chain, how urgent it is, and what treats it."""

from kinchain.case import Case, load_case
from kinchain.errors import (
    CaseError,
    ChainParameterError,
    ExportError,
    KinchainError,
    KnowledgeError,
    MovementDataError,
    OutcomeError,
    UnknownFindingError,
)
from kinchain.knowledge import Knowledge, load_knowledge
from kinchain.reasoning.engine import assess
from kinchain.reasoning.types import Assessment

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "Case",
    "CaseError",
    "ChainParameterError",
    "ExportError",
    "KinchainError",
    "Knowledge",
    "KnowledgeError",
    "MovementDataError",
    "OutcomeError",
    "UnknownFindingError",
    "__version__",
    "assess",
    "load_case",
    "load_knowledge",
]
