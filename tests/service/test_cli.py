"""`kinchain users create` through the Typer app, against a real SQLite data folder."""

from __future__ import annotations

from typer.testing import CliRunner

from kinchain.api import cli
from kinchain.api.settings import get_settings


def test_users_create_then_sign_in(tmp_path, monkeypatch):
    monkeypatch.setenv("KINCHAIN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KINCHAIN_DATABASE_URL", raising=False)
    monkeypatch.delenv("KINCHAIN_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(cli.app, ["create", "--email", "Doc@Example.org", "--password", "correct-horse",
                                    "--role", "admin", "--clinic", "Riverside"])
        assert r.exit_code == 0, r.output
        assert "created admin doc@example.org" in r.output
        again = runner.invoke(cli.app, ["create", "--email", "doc@example.org", "--password", "correct-horse"])
        assert again.exit_code == 1
        bad_role = runner.invoke(cli.app, ["create", "--email", "x@example.org", "--password", "correct-horse",
                                           "--role", "root"])
        assert bad_role.exit_code == 2 and "clinician, admin" in bad_role.output
        short = runner.invoke(cli.app, ["create", "--email", "y@example.org", "--password", "short"])
        assert short.exit_code == 2

        from fastapi.testclient import TestClient

        from kinchain.api import create_app

        app = create_app(get_settings())
        with TestClient(app) as client:
            r2 = client.post("/api/auth/token", data={"username": "doc@example.org", "password": "correct-horse"})
            assert r2.status_code == 200
            me = client.get("/api/me", headers={"Authorization": f"Bearer {r2.json()['access_token']}"}).json()
            assert me["role"] == "admin"
        assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
        assert (tmp_path / "kinchain.sqlite3").is_file()
        ok = runner.invoke(cli.audit_app, ["verify"])
        assert ok.exit_code == 0
    finally:
        get_settings.cache_clear()


def test_settings_refuse_placeholder_secrets(tmp_path):
    import pytest

    from kinchain.api.settings import SettingsError, settings_from_env

    with pytest.raises(SettingsError, match="KINCHAIN_SECRET_KEY"):
        settings_from_env({"KINCHAIN_DATA_DIR": str(tmp_path), "KINCHAIN_SECRET_KEY": "changeme"})
    s = settings_from_env({"KINCHAIN_DATA_DIR": str(tmp_path),
                           "KINCHAIN_DATABASE_URL": "postgres://u@h:5432/db"})
    assert s.database_url == "postgresql+psycopg://u@h:5432/db"
