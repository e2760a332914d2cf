"""Load the knowledge base from the YAML files shipped in ``knowledge/data``.

One call reads every file, builds typed objects and validates cross-references; any problem in any
file is collected and reported at once (``KnowledgeError.problems``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kinchain.errors import KnowledgeError
from kinchain.knowledge.schema import (
    Condition,
    Driver,
    Evidence,
    EvidenceGroup,
    Finding,
    KnowledgeFile,
    Parameter,
    PriorBase,
    PriorModifier,
    Reference,
    Rule,
)

KNOWN_SECTIONS = ("references", "conditions", "findings", "evidence", "evidence_groups", "priors", "prior_modifiers",
                  "rules", "drivers", "parameters")


@dataclass(frozen=True, eq=False)  # identity hash: one loaded KB is one cache key
class Knowledge:
    """The whole knowledge base, indexed by id. Immutable once loaded."""

    version: str
    references: dict[str, Reference]
    conditions: dict[str, Condition]
    findings: dict[str, Finding]
    evidence: tuple[Evidence, ...]
    priors: tuple[PriorBase, ...]
    prior_modifiers: tuple[PriorModifier, ...]
    rules: dict[str, Rule]
    drivers: tuple[Driver, ...]
    parameters: dict[str, Parameter]
    extra: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    evidence_groups: tuple[EvidenceGroup, ...] = ()  # already expanded into ``evidence``; kept for the checks

    def parameter(self, pid: str) -> float:
        """The value of a named clinical parameter (raises KeyError naming the id)."""
        try:
            return self.parameters[pid].value
        except KeyError:
            raise KeyError(f"no knowledge-base parameter '{pid}'") from None

    def cite(self, ids: Iterable[str]) -> list[str]:
        """Short human-readable citations for reference ids ("Metcalfe D 2019").

        Memoised per id tuple: every assessment cites the same few dozen evidence links."""
        key = ids if isinstance(ids, tuple) else tuple(ids)
        cache: dict[tuple[str, ...], tuple[str, ...]] = self.__dict__.setdefault("_cites_cache", {})
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = tuple(self._short(rid) for rid in key)
        return list(hit)

    def reference_text(self, key: str) -> str:
        """The full reference (authors, title, journal, year, DOI or PMID) for a reference id or for the short
        citation the engine shows ("Metcalfe D 2019"); several references sharing one short form are all
        given, separated by " | "; an unknown key comes back unchanged."""
        texts: dict[str, str] | None = self.__dict__.get("_reference_texts")
        if texts is None:  # built once: every short form and every id -> its full text
            by_short: dict[str, list[str]] = {}
            for rid in self.references:
                by_short.setdefault(self._short(rid), []).append(rid)
            texts = {short: " | ".join(_full(self.references[r]) for r in rids) for short, rids in by_short.items()}
            texts.update({rid: _full(ref) for rid, ref in self.references.items()})
            self.__dict__["_reference_texts"] = texts
        return texts.get(key, key)

    def _short(self, rid: str) -> str:
        cache: dict[str, str] = self.__dict__.setdefault("_cite_cache", {})
        text = cache.get(rid)
        if text is None:
            ref = self.references.get(rid)
            text = cache[rid] = f"{ref.authors.split(',')[0]} {ref.year}" if ref else rid
        return text


def _full(ref: Reference) -> str:
    parts = [ref.authors.rstrip("."), ref.title, ref.journal, str(ref.year)]
    text = ". ".join(p.rstrip(".") for p in parts if p)
    if ref.doi:
        text += f". doi:{ref.doi}"
    elif ref.pmid:
        text += f". PMID {ref.pmid}"
    elif ref.url:
        text += f". {ref.url}"
    return text


def data_dir() -> Path:
    return Path(str(resources.files("kinchain.knowledge") / "data"))


def _read_files(directory: Path) -> tuple[dict[str, list[Any]], list[str], str]:
    sections: dict[str, list[Any]] = {}
    problems: list[str] = []
    digest = hashlib.sha256()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        problems.append(f"{directory}: no *.yaml knowledge files found")
    for path in files:
        text = path.read_text(encoding="utf-8")
        digest.update(path.name.encode() + b"\0" + text.encode())
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            problems.append(f"{path.name}: not valid YAML: {exc}")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{path.name}: top level must be a mapping of sections")
            continue
        for section, entries in raw.items():
            if not isinstance(entries, list):
                problems.append(f"{path.name}: section '{section}' must be a list")
                continue
            sections.setdefault(section, []).extend((path.name, e) for e in entries)
    return sections, problems, digest.hexdigest()[:12]


def _typed(sections: dict[str, list[Any]], problems: list[str]) -> dict[str, list[Any]]:
    """Validate each entry of the known sections on its own so one bad entry does not hide others."""
    fields = KnowledgeFile.model_fields
    typed: dict[str, list[Any]] = {name: [] for name in KNOWN_SECTIONS}
    for name in KNOWN_SECTIONS:
        model = fields[name].annotation.__args__[0]  # type: ignore[union-attr]
        for filename, entry in sections.get(name, []):
            try:
                typed[name].append(model.model_validate(entry))
            except ValidationError as exc:
                ident = entry.get("id") if isinstance(entry, dict) else None
                if ident is None and isinstance(entry, dict):
                    ident = f"{entry.get('finding')}->{entry.get('condition')}"
                for err in exc.errors():
                    loc = ".".join(str(p) for p in err["loc"])
                    problems.append(f"{filename}: {name} '{ident}': {loc}: {err['msg']}")
    return typed


def _index(items: list[Any], kind: str, problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        if item.id in out:
            problems.append(f"duplicate {kind} id '{item.id}'")
        out[item.id] = item
    return out


def _with_groups(evidence: list[Evidence], groups: list[EvidenceGroup]) -> tuple[Evidence, ...]:
    """The explicit links, then each group's links for the pairs no explicit link covers."""
    own = {(e.finding, e.condition) for e in evidence}
    extra = [link for g in groups for link in g.links() if (link.finding, link.condition) not in own]
    return (*evidence, *extra)


def build_knowledge(directory: Path | None = None) -> Knowledge:
    """Read, type and validate every knowledge file; raise KnowledgeError listing all problems."""
    from kinchain.knowledge.validate import validate

    sections, problems, version = _read_files(directory or data_dir())
    typed = _typed(sections, problems)
    kb = Knowledge(
        version=version,
        references=_index(typed["references"], "reference", problems),
        conditions=_index(typed["conditions"], "condition", problems),
        findings=_index(typed["findings"], "finding", problems),
        evidence=_with_groups(typed["evidence"], typed["evidence_groups"]),
        evidence_groups=tuple(typed["evidence_groups"]),
        priors=tuple(typed["priors"]),
        prior_modifiers=tuple(typed["prior_modifiers"]),
        rules=_index(typed["rules"], "rule", problems),
        drivers=tuple(typed["drivers"]),
        parameters=_index(typed["parameters"], "parameter", problems),
        extra={k: tuple(e for _, e in v) for k, v in sections.items() if k not in KNOWN_SECTIONS},
    )
    problems.extend(validate(kb))
    if problems:
        raise KnowledgeError(problems)
    return kb


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """The bundled knowledge base (validated once per process, then cached)."""
    return build_knowledge()
