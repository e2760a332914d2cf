"""FastAPI application factory for the kinchain clinic service.

``create_app()`` reads settings (or takes them), builds the database engines, applies the migrations and
mounts the REST API (/api), CDS Hooks (/cds-services), the web pages and /healthz. Nothing happens at
import; ``kinchain serve`` runs ``uvicorn`` on this factory.
"""

from __future__ import annotations

import faulthandler
import gc
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from kinchain.api import features, problems
from kinchain.api.schemas import Health
from kinchain.api.services import Services
from kinchain.api.settings import Settings, get_settings
from kinchain.store import db

HERE = Path(__file__).parent


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything built so far (modules, the knowledge base, the app) lives as long as the process: move it
    # out of the garbage collector's reach. Otherwise every full collection walks those ~130,000 objects,
    # a pause of about 70 ms that stalls every request in flight (and, holding the SQLite write lock,
    # the other workers' writes too).
    gc.collect()
    gc.freeze()
    # With the default thresholds a POST /api/assessments triggered about 0.3 young and 0.03 middle
    # collections (measured through the app); the older generations also walk whatever has survived since
    # start-up (caches), so rarer collections trim the tail. Four alternating http_load runs each: mean
    # 921 vs 775 assessments/s and p99 121 vs 143 ms, but the ranges overlap (this machine is noisy).
    gc.set_threshold(50_000, 50, 100)
    yield
    app.state.services.dispose()


_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                 b"script-src 'self'; form-action 'self'; frame-ancestors 'none'"),
]
_NO_STORE = ("/api/", "/clinic", "/self-check")
MAX_BODY = 1_000_000  # bytes; a case or a form is a few kilobytes


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response; no-store on patient-data pages."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY:
                body = (b'{"type":"urn:kinchain:problem:too-large","title":"Request too large","status":413,'
                        b'"detail":"the request body is over 1 MB; a case or a form is a few kilobytes"}')
                await send({"type": "http.response.start", "status": 413,
                            "headers": [(b"content-type", b"application/problem+json"),
                                        (b"content-length", str(len(body)).encode()), *_HEADERS]})
                await send({"type": "http.response.body", "body": body})
                return
        extra = list(_HEADERS)
        if str(scope.get("path", "")).startswith(_NO_STORE):
            extra.append((b"cache-control", b"no-store"))

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    settings = settings or get_settings()
    if os.environ.get("KINCHAIN_FAULTHANDLER") == "1":  # ops aid: `kill -USR1 <pid>` dumps every thread's stack
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    services = Services.build(settings)
    if migrate:
        db.migrate(services.engine)
    try:  # warm the knowledge base now rather than on the first request
        features.knowledge()
    except problems.FeatureUnavailable as exc:
        logging.getLogger("kinchain.api").warning("knowledge base not available: %s", exc.detail)

    app = FastAPI(
        title="kinchain clinic service",
        version="1",
        summary="Find where lower-limb pain comes from, triage it and plan treatment - for clinics.",
        description=("Decision support for clinicians: every result shows its inputs, probabilities and cited "
                     "reasons. Not a diagnosis and not for emergencies. Errors are RFC 9457 problem details."),
        docs_url=None,  # Swagger UI would load scripts from a CDN; the schema is at /openapi.json
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.services = services
    problems.install(app)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="kinchain_session",
                       same_site="strict", https_only=settings.secure_cookies, max_age=8 * 3600)

    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", response_model=Health, tags=["health"],
             responses={503: {"description": "the database is down"}})
    def healthz() -> Health | JSONResponse:
        """200 when the app and its database are up."""
        try:
            db.ping(services.engine)
            rev = db.current_revision(services.engine)
        except Exception as exc:  # the database is down: say so, without a trace
            return JSONResponse(problems.problem_body(503, "database-unavailable", "Database unavailable",
                                                      f"cannot reach the database ({type(exc).__name__})",
                                                      "/healthz"),
                                status_code=503, media_type=problems.PROBLEM)
        try:
            from kinchain.knowledge.loader import load_knowledge

            kv: str | None = load_knowledge().version
        except Exception:
            kv = None
        return Health(status="ok", database=services.engine.dialect.name, schema_revision=rev,
                      knowledge_version=kv)

    from kinchain.api import routes_api, routes_cds, routes_web

    app.include_router(routes_api.router)
    app.include_router(routes_cds.router)
    app.include_router(routes_web.router)
    routes_web.install_login_redirect(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    return app
