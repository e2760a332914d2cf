"""The clinic service: FastAPI app factory (``create_app``), REST API, web pages and CLI."""

from kinchain.api.app import create_app
from kinchain.api.settings import Settings, get_settings, settings_from_env

__all__ = ["Settings", "create_app", "get_settings", "settings_from_env"]
