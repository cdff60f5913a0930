"""The deployment files say what the README promises: web and clock on one volume and one pinned PostgreSQL,
health-checked and restarted, web scalable, settings from .env; the image runs as a non-root user with the shipped
model files and without PyTorch."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_web_and_clock_on_one_volume_with_health_checks_and_restarts():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    web, clock = services["web"], services["clock"]
    assert web["command"] == ["serve", "--http"] and clock["command"] == ["clock"]
    for service in (web, clock):
        assert service["env_file"] == ".env"
        assert service["restart"] == "unless-stopped"
        home = service["environment"]["UPNEXT_HOME"]
        assert service["volumes"] == [f"upnext-data:{home}"]
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert clock["depends_on"]["web"]["condition"] == "service_healthy"


def test_compose_runs_postgresql_health_checked_and_web_can_be_scaled_behind_a_proxy():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    postgres, web, clock = services["postgres"], services["web"], services["clock"]
    assert re.fullmatch(r"postgres:\d+\.\d+-bookworm", postgres["image"])  # the official image, a pinned release
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose["volumes"] and postgres["restart"] == "unless-stopped"
    for service in (web, clock):
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://upnext:${POSTGRES_PASSWORD")
        assert "@postgres:5432/" in service["environment"]["DATABASE_URL"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    published = [port.rsplit(":", 1)[0] for port in web["ports"]]
    assert all("-" in port for port in published)  # a range: `--scale web=2` gives each replica a host port


def test_the_runtime_image_is_non_root_ships_the_model_files_and_removes_pytorch():
    stages = (ROOT / "Dockerfile").read_text().split("\nFROM ")
    build, runtime = stages[-2], stages[-1]
    assert "upnext models build" in build and "pip uninstall -y torch" in build
    assert "COPY --from=build /opt/upnext/models" in runtime and "UPNEXT_MODELS=/opt/upnext/models" in runtime
    assert "\nUSER upnext\n" in runtime and "useradd" in runtime
    assert "pip install" not in runtime


def test_the_image_copies_every_package_the_project_installs():
    """The image once shipped without `insights` and `admin` (added after the Dockerfile listed its folders), and its
    web process died on import: every package pyproject.toml installs must be copied into the build stage."""
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.rstrip("*") for p in patterns}
    build = (ROOT / "Dockerfile").read_text().split("\nFROM ")[-2]
    copied = {line.split()[1] for line in build.splitlines() if line.startswith("COPY ") and "--from" not in line}
    assert packages <= copied, f"not copied into the image: {sorted(packages - copied)}"
