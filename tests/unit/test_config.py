"""Configuration loading: defaults, environment overrides, and errors that say what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import ConfigError, load_config
from tests.support.configs import CORPUS_CONFIG, write_config


def test_corpus_config_loads_with_defaults_for_every_service():
    config = load_config(CORPUS_CONFIG)
    assert set(config.workplaces) == {"ekbackens-skola", "hemtjanst-norr", "samverkan-vof"}
    wp = config.workplace("hemtjanst-norr")
    assert wp.agenda[1].aliases == ("Föregående möte",)
    assert [m.name for m in wp.safety_reps] == ["Karin Berg"]
    assert config.settings.delivery.method == "outbox"
    assert config.settings.database.url.startswith("sqlite:////")
    assert config.settings.storage.path.is_absolute()


def test_example_config_of_the_repository_is_valid():
    config = load_config(Path(__file__).resolve().parents[2] / "config")
    assert config.workplace("hemtjanst-norr").managers


def test_unknown_key_names_the_file_and_the_key(tmp_path):
    folder = write_config(tmp_path / "c")
    with (folder / "minnes.toml").open("a") as fh:
        fh.write("\n[smtp]\nhost = 'x'\n")
    with pytest.raises(ConfigError) as err:
        load_config(folder)
    assert "minnes.toml" in str(err.value) and "'smtp'" in str(err.value)


def test_unknown_nested_key_is_named_with_its_section(tmp_path):
    folder = write_config(tmp_path / "c")
    text = (folder / "minnes.toml").read_text().replace("[redis]\n", "[redis]\nurll = 'x'\n")
    (folder / "minnes.toml").write_text(text)
    with pytest.raises(ConfigError, match="redis.urll"):
        load_config(folder)


def test_environment_overrides_a_key(tmp_path, monkeypatch):
    folder = write_config(tmp_path / "c")
    monkeypatch.setenv("MINNES_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("MINNES_DELIVERY_SMTP_PORT", "2525")
    monkeypatch.setenv("MINNES_INTAKE_REQUIRE_AUTHENTICATED_SENDER", "true")
    config = load_config(folder)
    assert config.settings.redis.url == "redis://127.0.0.1:1/0"
    assert config.settings.delivery.smtp.port == 2525
    assert config.settings.intake.require_authenticated_sender is True


def test_bad_environment_value_names_the_variable(tmp_path, monkeypatch):
    folder = write_config(tmp_path / "c")
    monkeypatch.setenv("MINNES_DELIVERY_SMTP_PORT", "tjugofem")
    with pytest.raises(ConfigError, match="MINNES_DELIVERY_SMTP_PORT"):
        load_config(folder)


def test_wrong_choice_lists_the_allowed_values(tmp_path):
    folder = write_config(tmp_path / "c")
    text = (folder / "minnes.toml").read_text().replace('method = "outbox"', 'method = "pigeon"')
    (folder / "minnes.toml").write_text(text)
    with pytest.raises(ConfigError, match="outbox, smtp"):
        load_config(folder)


def test_plaintext_smtp_is_refused_off_loopback(tmp_path):
    folder = write_config(tmp_path / "c", smtp_port=25)
    text = (folder / "minnes.toml").read_text().replace('host = "127.0.0.1"', 'host = "smtp.example.se"')
    (folder / "minnes.toml").write_text(text)
    with pytest.raises(ConfigError, match="localhost"):
        load_config(folder)


def test_roster_with_unknown_role_names_the_row(tmp_path):
    folder = write_config(tmp_path / "c")
    csv = folder / "workplaces" / "hemtjanst-norr.csv"
    csv.write_text(csv.read_text() + "Ny Person,ny.person@exempelby.se,chef\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rad 12: okänd roll 'chef'"):
        load_config(folder)


def test_workplace_id_must_equal_the_file_stem(tmp_path):
    folder = write_config(tmp_path / "c")
    path = folder / "workplaces" / "hemtjanst-norr.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('id = "hemtjanst-norr"', 'id = "norr"'), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="filnamnet"):
        load_config(folder)


def test_missing_folder_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match="--config"):
        load_config(tmp_path / "nowhere")


def _with_intake(tmp_path, lines: str):  # noqa: ANN202
    folder = write_config(tmp_path / "c")
    text = (folder / "minnes.toml").read_text().replace("[intake]\n", "[intake]\n" + lines, 1)
    (folder / "minnes.toml").write_text(text)
    return folder


def test_unauthenticated_drafts_wait_for_confirmation_by_default(tmp_path):
    intake = load_config(write_config(tmp_path / "c")).settings.intake
    assert intake.unauthenticated_sender == "confirm"
    assert (intake.confirm_days, intake.trusted_internal_header) == (7, "")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("require_authenticated_sender = true\n", "reject"),
        ("require_authenticated_sender = false\n", "confirm"),
        ('require_authenticated_sender = true\nunauthenticated_sender = "accept"\n', "accept"),
    ],
)
def test_the_old_key_still_reads_and_is_called_deprecated(tmp_path, lines, expected):
    from service.setup_check import check_config

    config = load_config(_with_intake(tmp_path, lines))
    assert config.settings.intake.unauthenticated_sender == expected
    assert any("require_authenticated_sender är föråldrad" in p for p in check_config(config))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('unauthenticated_sender = "maybe"\n', "välj en av: confirm, reject, accept"),
        ("confirm_days = 0\n", "confirm_days"),
        ('trusted_internal_header = "X-MS-Exchange-Organization-AuthAs"\n', "Namn: värde"),
    ],
)
def test_trust_keys_are_checked(tmp_path, lines, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_with_intake(tmp_path, lines))


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("MINNES_STORAGE_URL", "minio://minnes/arkiv", "storage.url"),
        ("MINNES_STORAGE_URL", "s3:///arkiv", "storage.url"),
        ("MINNES_DELIVERY_MAX_PER_MINUTE", "-1", "max_per_minute"),
        ("MINNES_RETENTION_RAW_MESSAGE_DAYS", "-5", "raw_message_days"),
    ],
)
def test_storage_pace_and_retention_keys_are_checked_on_load(tmp_path, monkeypatch, env, value, message):
    folder = write_config(tmp_path / "c")
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=message):
        load_config(folder)


def test_storage_pace_and_retention_defaults_follow_the_contract(tmp_path):
    settings = load_config(write_config(tmp_path / "c")).settings
    assert (settings.storage.url, settings.storage.access_key_env) == ("", "MINNES_S3_ACCESS_KEY")
    assert settings.delivery.max_per_minute == 0
    assert (settings.retention.raw_message_days, settings.retention.minutes_years) == (365, 0)
