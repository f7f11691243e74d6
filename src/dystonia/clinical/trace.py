"""The rationale trail: every conclusion names the rule that made it and the rule's source."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from dystonia.knowledge import rulebook

__all__ = ["Reason", "Trace"]


class Reason(BaseModel):
    """One step of the rationale: {rule, statement, source} (contracts/clinical.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    statement: str
    source: str


class Trace:
    """Collects :class:`Reason` items in the order the rules fire."""

    def __init__(self) -> None:
        self.reasons: list[Reason] = []

    def add(self, rule_id: str, statement: str) -> None:
        """Record that ``rule_id`` concluded ``statement``; the source comes from the rule book."""
        book = rulebook()
        self.reasons.append(
            Reason(rule=rule_id, statement=statement, source=book.source_text(rule_id))
        )

    def fired(self) -> set[str]:
        """Ids of the rules that fired."""
        return {r.rule for r in self.reasons}
