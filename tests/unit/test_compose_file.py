"""compose.yaml and the README agree, and compose configures Minnes with names Minnes reads.

No Docker daemon runs here: the YAML is parsed (and `docker compose config` run when the plugin is
installed) and checked against the CLI, the configuration and README.md.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from service.cli import build_parser
from service.config.sections import env_name
from service.config.settings import StorageSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
README = ROOT / "README.md"
APP_SERVICES = ("web", "worker", "intake", "sweeper")
"""The services that run the Minnes image."""

STORAGE_ENV = (env_name("storage.url"), env_name("storage.endpoint_url"),
               StorageSettings().access_key_env, StorageSettings().secret_key_env)
"""The environment variables that put Minnes's files in object storage."""


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


def _profiles(compose: dict) -> set[str]:
    return {p for svc in compose["services"].values() for p in svc.get("profiles", [])}


def test_docker_compose_config_accepts_the_file_when_it_is_installed() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode:
        pytest.skip("docker compose is not installed here: the YAML is checked by the tests below")
    for profile in ("", "postgres", "s3"):
        args = [docker, "compose", "-f", str(COMPOSE)] + (["--profile", profile] if profile else [])
        done = subprocess.run([*args, "config", "--quiet"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_every_app_service_runs_a_minnes_command_that_exists(compose: dict) -> None:
    parser = build_parser()
    for name in APP_SERVICES:
        command = compose["services"][name]["command"]
        assert command[0] == "minnes", name
        parser.parse_args(command[1:])  # exits (SystemExit) on an unknown command or option


def test_every_dependency_names_a_service(compose: dict) -> None:
    services = compose["services"]
    for name, svc in services.items():
        depends = svc.get("depends_on", [])
        for other in depends:
            assert other in services, f"{name} depends on unknown {other}"
            required = depends[other].get("required", True) if isinstance(depends, dict) else True
            if required:  # a required dependency must run whenever the dependant does
                assert set(services[other].get("profiles", [])) <= set(svc.get("profiles", [])), name


def test_the_app_gets_the_object_storage_settings_and_minio_is_the_example(compose: dict) -> None:
    services = compose["services"]
    assert STORAGE_ENV == ("MINNES_STORAGE_URL", "MINNES_STORAGE_ENDPOINT_URL", "MINNES_S3_ACCESS_KEY",
                           "MINNES_S3_SECRET_KEY")
    for name in APP_SERVICES:
        env = services[name]["environment"]
        for var in STORAGE_ENV:
            assert env[var] == f"${{{var}:-}}", (name, var)  # unset: the folder, as before
        assert services[name]["depends_on"]["minio-bucket"]["required"] is False
    assert services["minio"]["profiles"] == ["s3"] and services["minio-bucket"]["profiles"] == ["s3"]
    assert services["minio"]["environment"] == {"MINIO_ROOT_USER": "${MINNES_S3_ACCESS_KEY:-}",
                                                "MINIO_ROOT_PASSWORD": "${MINNES_S3_SECRET_KEY:-}"}
    assert all(not port.split(":")[0].isdigit() or port.startswith("127.0.0.1:")
               for svc in services.values() for port in svc.get("ports", []))


def test_every_environment_variable_compose_sets_is_one_minnes_reads(compose: dict) -> None:
    from service.config.settings import Settings

    known = {"WEB_CONCURRENCY"}
    for section in Settings.__dataclass_fields__.values():
        kind = section.default_factory() if callable(section.default_factory) else None
        for key, value in (vars(kind) if kind is not None else {}).items():
            known.add(env_name(f"{section.name}.{key}"))
            if key.endswith("_env") and isinstance(value, str):
                known.add(value)
            for sub_key, sub_value in (vars(value).items() if hasattr(value, "__dataclass_fields__") else ()):
                known.add(env_name(f"{section.name}.{key}.{sub_key}"))
                if sub_key.endswith("_env") and isinstance(sub_value, str):
                    known.add(sub_value)
    for name in APP_SERVICES:
        unknown = set(compose["services"][name]["environment"]) - known
        assert not unknown, f"{name} sets {unknown}, which Minnes does not read"


def test_the_readme_names_every_profile_and_no_other(compose: dict, readme: str) -> None:
    named = set(re.findall(r"--profile (\w+)", readme))
    assert named == _profiles(compose), f"README names {named}, compose.yaml has {_profiles(compose)}"


def test_the_readme_names_the_minio_services_and_its_env_block_matches_compose(compose: dict,
                                                                                readme: str) -> None:
    for service in ("minio", "minio-bucket"):
        assert f"`{service}`" in readme and service in compose["services"]
    block = dict(re.findall(r"^(MINNES_(?:STORAGE|S3)_[A-Z_]+)=(\S+)$", readme, re.M))
    assert set(block) == set(STORAGE_ENV), block
    script = compose["services"]["minio-bucket"]["command"][0]
    bucket_made = re.search(r"mc mb --ignore-existing local/(\S+)", script)
    assert bucket_made and block["MINNES_STORAGE_URL"].startswith(f"s3://{bucket_made.group(1)}/")
    host = re.match(r"https?://([^:/]+)", block["MINNES_STORAGE_ENDPOINT_URL"])
    assert host and host.group(1) in compose["services"]
