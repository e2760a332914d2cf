"""Command line for the clinic service.

- ``app``            mounted as ``kinchain users``: ``kinchain users create --email E --password P --role R``
- ``serve_command``  mounted as ``kinchain serve [--host] [--port]``
- ``audit_app``      mounted as ``kinchain audit``: ``kinchain audit verify``
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

app = typer.Typer(help="Clinic accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The append-only audit log.", no_args_is_help=True)


@app.callback()
def _users() -> None:
    """Clinic accounts (clinician or admin)."""


@audit_app.callback()
def _audit() -> None:
    """The append-only, hash-chained audit log."""


def _engine() -> Any:
    from kinchain.api.settings import get_settings
    from kinchain.store import db

    settings = get_settings()
    engine = db.create_db_engine(settings.database_url, schema=settings.db_schema)
    db.migrate(engine)
    return engine


@app.command("create")
def create_user(
    email: Annotated[str, typer.Option(help="the sign-in e-mail")],
    password: Annotated[str, typer.Option(help="at least 8 characters", prompt=True, hide_input=True)],
    role: Annotated[str, typer.Option(help="clinician or admin")] = "clinician",
    clinic: Annotated[str, typer.Option(help="clinic name (created if new)")] = "Default clinic",
) -> None:
    """Create a clinician or admin account (the password is stored as an argon2 hash)."""
    from kinchain.api.security import ROLES, hash_password
    from kinchain.store import db, repo

    if role not in ROLES:
        typer.echo(f"error: --role must be one of {', '.join(ROLES)}, got '{role}'", err=True)
        raise typer.Exit(2)
    if "@" not in email:
        typer.echo(f"error: --email must be an e-mail address, got '{email}'", err=True)
        raise typer.Exit(2)
    try:
        pw_hash = hash_password(password)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    engine = _engine()
    with db.transaction(db.make_sessionmaker(engine)) as s:
        if repo.user_by_email(s, email) is not None:
            typer.echo(f"error: an account for '{email}' already exists", err=True)
            raise typer.Exit(1)
        c = repo.get_or_create_clinic(s, clinic)
        u = repo.create_user(s, email=email, password_hash=pw_hash, role=role, clinic_id=c.id)
        typer.echo(f"created {u.role} {u.email} (id {u.id}) in clinic '{c.name}'")
    engine.dispose()


@audit_app.command("verify")
def verify_command(
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Recompute the audit hash chain; exit 1 if any event was changed or deleted."""
    from kinchain.store.audit import verify

    engine = _engine()
    result = verify(engine)
    engine.dispose()
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    elif result.ok:
        typer.echo(f"audit log OK: {result.events} events, chain intact")
    else:
        typer.echo(f"audit log BROKEN: {len(result.problems)} problem(s) in {result.events} events", err=True)
        for p in result.problems:
            typer.echo(f"  - {p}", err=True)
    raise typer.Exit(0 if result.ok else 1)


def serve_command(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Start the clinic service (web pages, REST API at /api, OpenAPI at /openapi.json)."""
    import uvicorn

    from kinchain.api.settings import SettingsError, get_settings

    try:
        settings = get_settings()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    engine = _engine()  # apply migrations once before the workers start
    engine.dispose()
    where = "SQLite in " + str(settings.data_dir) if settings.is_sqlite else "PostgreSQL"
    typer.echo(f"kinchain serving on http://{host}:{port} ({where})")
    from kinchain.api import workers as multi

    if workers > 1 and multi.reuse_port_supported():  # a listening socket per worker: see workers.py
        try:
            multi.run(host, port, workers)
        except OSError as exc:
            typer.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
            raise typer.Exit(2) from None
        return
    uvicorn.run(multi.APP, factory=True, host=host, port=port, workers=workers, log_level="warning",
                access_log=False)
