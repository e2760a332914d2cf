"""RFC 9457 problem details for every error the service returns; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kinchain.errors import CaseError, KinchainError, OutcomeError
from kinchain.store.repo import NotFound

log = logging.getLogger("kinchain.api")
PROBLEM = "application/problem+json"


class Problem(Exception):
    def __init__(self, status: int, slug: str, title: str, detail: str, *,
                 errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}


class FeatureUnavailable(Problem):
    """A part of kinchain this route needs is not installed or not built yet."""

    def __init__(self, what: str) -> None:
        super().__init__(503, "feature-unavailable", "Feature not available",
                         f"this route needs {what}, which is not available in this installation yet",
                         extra={"missing": what})


def unauthorized(detail: str = "sign in first: send 'Authorization: Bearer <token>' from POST /api/auth/token"
                 ) -> Problem:
    return Problem(401, "unauthorized", "Not authenticated", detail, headers={"WWW-Authenticate": "Bearer"})


def problem_body(status: int, slug: str, title: str, detail: str, instance: str | None = None,
                 errors: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": f"urn:kinchain:problem:{slug}" if slug != "about:blank" else slug,
                            "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api", "/cds-services", "/healthz", "/openapi", "/static")):
        return False
    return "text/html" in request.headers.get("accept", "")


def problem_response(request: Request, status: int, slug: str, title: str, detail: str, *,
                     errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                     **extra: Any) -> Response:
    if _wants_html(request):
        from kinchain.api.web_support import render

        page = "unavailable.html" if slug == "feature-unavailable" else "error.html"
        return render(request, page, status, title=title, detail=detail, missing=extra.get("missing"))
    return JSONResponse(problem_body(status, slug, title, detail, request.url.path, errors, **extra),
                        status_code=status, media_type=PROBLEM, headers=headers)


_FIXES = {
    "missing": "add this field",
    "extra_forbidden": "remove this field (findings go under 'findings')",
    "literal_error": "use one of the allowed values",
    "enum": "use one of the allowed values",
    "greater_than_equal": "use a larger value",
    "less_than_equal": "use a smaller value",
    "string_too_short": "give a non-empty value",
    "string_too_long": "shorten the value",
    "json_invalid": "send valid JSON",
    "model_attributes_type": "send a JSON object",
    "dict_type": "send a JSON object",
}


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        field = ".".join(loc) or f"({where})"
        kind = str(err.get("type", ""))
        fix = _FIXES.get(kind) or ("use the expected type" if kind.endswith("_type") or "parsing" in kind
                                   else "correct the value")
        out.append({"field": field, "in": where, "message": str(err.get("msg", "invalid")), "fix": fix})
    return out


def _case_fix(message: str) -> str:
    if "Did you mean" in message or "Valid" in message or "one of" in message:
        return message.split(": ", 1)[-1]
    return "correct this field as described in the message"


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, errors=exc.errors,
                                headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"field": "(request)", "message": "invalid", "fix": "correct it"}
        detail = f"{first['field']}: {first['message']} - fix: {first['fix']}"
        return problem_response(request, 422, "validation-error", "Invalid request", detail, errors=errors)

    @app.exception_handler(CaseError)
    async def _case(request: Request, exc: CaseError) -> Response:
        field = exc.field or "(case)"
        message = str(exc)
        return problem_response(request, 422, "invalid-case", "Invalid case", message,
                                errors=[{"field": field, "in": "body", "message": message,
                                         "fix": _case_fix(message)}])

    @app.exception_handler(OutcomeError)
    async def _outcome(request: Request, exc: OutcomeError) -> Response:
        return problem_response(request, 422, "invalid-prom", "Invalid PROM response set", str(exc),
                                errors=[{"field": getattr(exc, "field", None) or "responses", "in": "body",
                                         "message": str(exc), "fix": "correct the responses as described"}])

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return problem_response(request, 404, "not-found", "Not found", str(exc))

    @app.exception_handler(KinchainError)
    async def _kinchain(request: Request, exc: KinchainError) -> Response:
        return problem_response(request, 422, "invalid-input", "Invalid input", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Not authenticated", 403: "Forbidden"}
        return problem_response(request, exc.status_code, "about:blank",
                                titles.get(exc.status_code, "HTTP error"), str(exc.detail),
                                headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "internal-error", "Internal server error",
                                "the server failed to handle this request; it has been logged")
