"""Request dependencies: the shared services and the signed-in API user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from kinchain.api.problems import Problem, unauthorized
from kinchain.api.services import Services
from kinchain.store.audit import Actor

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_actor(services: ServicesDep, token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    """The signed-in user. Async on purpose: a signature check and a cached account lookup do not need a
    worker thread (the lookup queries the database at most once per user every 15 seconds)."""
    if not token:
        raise unauthorized()
    claims = services.tokens.read(token)
    if claims is None:
        raise unauthorized("the bearer token is invalid or expired; get a new one from POST /api/auth/token")
    if not services.user_active(claims):
        raise unauthorized("this account is no longer active")
    return Actor(claims.user_id, claims.email, claims.role, claims.clinic_id)


ActorDep = Annotated[Actor, Depends(current_actor)]


async def admin_actor(actor: ActorDep) -> Actor:
    if actor.role != "admin":
        raise Problem(403, "forbidden", "Forbidden", "this needs an admin account")
    return actor


AdminDep = Annotated[Actor, Depends(admin_actor)]
