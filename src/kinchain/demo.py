"""`kinchain demo`: assess every bundled example case, store the results, print a summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from kinchain.case import load_case
from kinchain.errors import CaseError
from kinchain.knowledge import load_knowledge
from kinchain.reasoning.engine import assess


def run_demo(examples: Path, database: str | None, console: Console) -> None:
    files = sorted([*examples.glob("*.yaml"), *examples.glob("*.json")]) if examples.is_dir() else []
    if not files:
        raise CaseError(f"no example cases (*.yaml, *.json) in '{examples}'; run from the repository root "
                        "or pass --examples DIR", field="--examples")
    kb = load_knowledge()
    store = _open_store(database)
    table = Table("case", "top source", "mechanism", "p", "triage", "leading condition", box=None)
    for path in files:
        case = load_case(path)
        a = assess(case, kb)
        top = a.pain_source[0]
        lead = a.conditions[0]
        if store is not None:
            store(case, a)
        table.add_row(case.id or path.stem, top.region, top.mechanism, f"{top.probability:.0%}", a.triage.level,
                      f"{lead.name} ({lead.probability:.0%})")
    console.print(table)
    console.print(f"{len(files)} cases assessed with knowledge base {kb.version}")


def _open_store(database: str | None) -> Any:
    try:
        from kinchain.store.demo import demo_writer
    except ImportError:
        return None
    return demo_writer(database)
