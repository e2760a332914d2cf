"""The clinic service: FastAPI app factory (``create_app``), REST API, web pages and CLI."""

from __future__ import annotations

from typing import Any

__all__ = ["Settings", "create_app", "get_settings", "settings_from_env"]


def __getattr__(name: str) -> Any:
    # FastAPI and the app load on first use, so the command line starts fast
    if name == "create_app":
        from kinchain.api.app import create_app

        return create_app
    if name in ("Settings", "get_settings", "settings_from_env"):
        from kinchain.api import settings

        return getattr(settings, name)
    raise AttributeError(f"module 'kinchain.api' has no attribute '{name}'")
