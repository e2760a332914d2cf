"""`kinchain demo`: assess every bundled example case, store the results, print a summary table.

Storage is the embedded default (SQLite in ``KINCHAIN_DATA_DIR``, ./kinchain-data) unless
``--database`` or ``KINCHAIN_DATABASE_URL`` names another database; migrations are applied first.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

import kinchain
from kinchain.case import Case, load_case
from kinchain.errors import CaseError
from kinchain.knowledge import load_knowledge
from kinchain.reasoning.engine import assess
from kinchain.reasoning.types import Assessment


def run_demo(examples: Path, database: str | None, console: Console) -> None:
    files = sorted([*examples.glob("*.yaml"), *examples.glob("*.json")]) if examples.is_dir() else []
    if not files:
        raise CaseError(f"no example cases (*.yaml, *.json) in '{examples}'; run from the repository root "
                        "or pass --examples DIR", field="--examples")
    kb = load_knowledge()
    rows = []
    for path in files:
        case = load_case(path)
        rows.append((case, assess(case, kb)))
    where = _store(rows, database)
    table = Table("case", "top source", "mechanism", "p", "triage", "leading condition", box=None)
    for case, a in rows:
        top, lead = a.pain_source[0], a.conditions[0]
        table.add_row(case.id or "-", top.region, top.mechanism, f"{top.probability:.0%}", a.triage.level,
                      f"{lead.name} ({lead.probability:.0%})")
    console.print(table)
    console.print(f"{len(rows)} cases assessed with knowledge base {kb.version}; stored in {where}")


def _store(rows: list[tuple[Case, Assessment]], database: str | None) -> str:
    """Write every case and assessment to the database (a 'demo' clinic); returns where."""
    from kinchain.store import repo
    from kinchain.store.audit import Actor
    from kinchain.store.db import create_db_engine, make_sessionmaker, migrate, sqlite_url, transaction

    data_dir = Path(os.environ.get("KINCHAIN_DATA_DIR") or "kinchain-data")
    url = database or os.environ.get("KINCHAIN_DATABASE_URL") or sqlite_url(data_dir)
    engine = create_db_engine(url)
    try:
        migrate(engine)
        factory = make_sessionmaker(engine)
        with transaction(factory) as session:
            clinic = repo.get_or_create_clinic(session, "demo")
            user = repo.user_by_email(session, "demo@localhost") or repo.create_user(
                session, email="demo@localhost", password_hash="!no-login", role="clinician", clinic_id=clinic.id)
            actor = Actor(user_id=user.id, email=user.email, role=user.role, clinic_id=clinic.id)
            for case, a in rows:
                repo.save_assessment(session, actor, case=case.model_dump(mode="json"), result=a.to_json_dict(),
                                     knowledge_version=a.knowledge_version, software_version=kinchain.__version__,
                                     triage_level=a.triage.level)
    finally:
        engine.dispose()
    return engine.url.render_as_string(hide_password=True)
