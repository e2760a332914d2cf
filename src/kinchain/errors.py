"""Exceptions raised by kinchain.

KinchainError
 +-- KnowledgeError          the knowledge base is inconsistent (lists every problem at once)
 +-- CaseError               a case is invalid (names the field, the value and the fix)
 |    +-- UnknownFindingError  a finding id is not in the vocabulary (suggests the closest ids)
 +-- MovementDataError       a motion file is malformed, lacks markers or has wrong units
 +-- ChainParameterError     a kinetic-chain parameter is outside its valid range
 +-- OutcomeError            a PROM response set is invalid (unknown instrument, item or value)
 +-- ExportError             an export would be invalid and was not written
"""

from __future__ import annotations


class KinchainError(Exception):
    """Base class for every error kinchain raises on purpose."""


class KnowledgeError(KinchainError):
    """The knowledge base failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"knowledge base has {len(self.problems)} problem(s):\n{listing}")


class CaseError(KinchainError):
    """A case (or one of its fields) is invalid."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class UnknownFindingError(CaseError):
    """A finding id that the vocabulary does not define."""

    def __init__(self, finding_id: str, suggestions: list[str]) -> None:
        self.finding_id = finding_id
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"findings.{finding_id}: unknown finding id '{finding_id}'.{hint} "
            "Run `kinchain findings` to list every valid id.",
            field=f"findings.{finding_id}",
        )


class MovementDataError(KinchainError):
    """A motion-data file cannot be analysed as given."""


class ChainParameterError(KinchainError):
    """A kinetic-chain model parameter is out of its valid range."""


class OutcomeError(KinchainError):
    """A PROM response set cannot be scored."""


class ExportError(KinchainError):
    """An export failed validation and nothing was written."""
