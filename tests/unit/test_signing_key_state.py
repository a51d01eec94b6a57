"""The demo signing key is encrypted with a passphrase generated into state_path; check-config says so."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from service import bootstrap
from service.bootstrap import DEMO_PASSPHRASE_FILE, signer_for
from service.cli import main
from service.config import Config
from service.pdf.keys import (
    KeyState,
    encrypt_demo_key,
    ensure_signing_key,
    key_state,
    make_self_signed_pkcs12,
)
from service.pdf.render import render_minutes
from service.pdf.sign import WrongPassphraseError
from service.pdf.verify import verify_pdf
from service.setup_check import check_config
from tests.support.configs import make_config
from tests.support.minutes import WORKPLACE, sample_minutes

ENV = "MINNES_SIGNING_PASSPHRASE"


@pytest.fixture(autouse=True)
def fresh_signers(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """No passphrase in the environment and no signer cached from another test."""
    monkeypatch.delenv(ENV, raising=False)
    bootstrap._signers.clear()
    yield
    bootstrap._signers.clear()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path / "config")


def _state(config: Config) -> Path:
    return Path(config.settings.storage.state_path)


def _key(config: Config) -> Path:
    return Path(config.settings.signing.pkcs12)


def _generated(config: Config) -> str:
    return (_state(config) / DEMO_PASSPHRASE_FILE).read_text(encoding="ascii").strip()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _opens(path: Path, passphrase: bytes | None) -> bool:
    try:
        key, cert, _extra = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
    except ValueError:
        return False
    return key is not None and cert is not None


def _old_demo_key(path: Path) -> bytes:
    """Write the unencrypted demo key an older version made (2048-bit, fast); return its bytes."""
    data = make_self_signed_pkcs12("", common_name="Minnes – Exempelby kommun",
                                   organisation="Exempelby kommun", key_size=2048)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o644)
    return data


def _ca_issued_unencrypted(path: Path) -> None:
    """Write an organisation's unencrypted PKCS#12 whose certificate a CA issued."""
    now = datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Exempelby kommun CA")])
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Exempelby kommun – Minnes")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30)).sign(ca_key, hashes.SHA256())
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        name=b"minnes", key=key, cert=cert, cas=None, encryption_algorithm=serialization.NoEncryption()
    ))


def test_a_fresh_demo_key_is_encrypted_with_a_generated_passphrase_kept_0600_in_a_0700_folder(
    config: Config,
) -> None:
    signer = signer_for(config)
    key, state = _key(config), _state(config)
    assert not _opens(key, None) and not _opens(key, b"")
    generated = _generated(config)
    assert len(generated) >= 40  # 32 bytes from secrets, URL-safe
    assert _opens(key, generated.encode("ascii"))
    assert _mode(state / DEMO_PASSPHRASE_FILE) == 0o600
    assert _mode(state) == 0o700
    assert _mode(key) == 0o600
    pdf = signer.sign(render_minutes(sample_minutes(), WORKPLACE))
    assert verify_pdf(pdf, trusted_certs=[signer.certificate_pem]).valid


def test_the_generated_passphrase_is_made_once_and_reused(config: Config) -> None:
    first = signer_for(config).certificate_pem
    passphrase, key = _generated(config), _key(config).read_bytes()
    bootstrap._signers.clear()  # a new process
    assert signer_for(config).certificate_pem == first
    assert _generated(config) == passphrase and _key(config).read_bytes() == key


def test_an_old_unencrypted_demo_key_is_encrypted_in_place_on_first_start_and_signs(config: Config) -> None:
    old = _old_demo_key(_key(config))
    old_cert = pkcs12.load_key_and_certificates(old, None)[1]
    signer = signer_for(config)
    key = _key(config)
    assert not _opens(key, None)
    assert _opens(key, _generated(config).encode("ascii"))
    assert signer.certificate == old_cert, "the same key pair, only encrypted"
    assert _mode(key) == 0o600
    assert [p.name for p in key.parent.iterdir() if p.name.startswith(".signing-")] == []
    pdf = signer.sign(render_minutes(sample_minutes(), WORKPLACE))
    assert verify_pdf(pdf, trusted_certs=[signer.certificate_pem]).valid
    bootstrap._signers.clear()
    assert signer_for(config).certificate == old_cert


def test_encrypt_demo_key_leaves_encrypted_and_ca_issued_keys_alone(tmp_path: Path) -> None:
    encrypted = tmp_path / "encrypted.p12"
    ensure_signing_key(encrypted, "hemligt", common_name="X", organisation="Y")
    before = encrypted.read_bytes()
    assert not encrypt_demo_key(encrypted, "annat") and encrypted.read_bytes() == before
    issued = tmp_path / "issued.p12"
    _ca_issued_unencrypted(issued)
    before = issued.read_bytes()
    assert key_state(issued, "annat") is KeyState.UNENCRYPTED
    assert not encrypt_demo_key(issued, "annat") and issued.read_bytes() == before
    assert key_state(tmp_path / "nej.p12", "x") is KeyState.MISSING
    with pytest.raises(ValueError):
        ensure_signing_key(tmp_path / "never.p12", "", common_name="X", organisation="Y")
    assert not (tmp_path / "never.p12").exists()


def test_a_real_passphrase_works_as_before_and_no_passphrase_is_generated(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "organisationens-lösen")
    signer_for(config)
    assert _opens(_key(config), "organisationens-lösen".encode())
    assert not (_state(config) / DEMO_PASSPHRASE_FILE).exists()
    assert check_config(config) == []


def test_a_wrong_passphrase_is_a_clear_swedish_error(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "rätt")
    signer_for(config)
    bootstrap._signers.clear()
    monkeypatch.setenv(ENV, "fel")
    with pytest.raises(WrongPassphraseError, match="Lösenfrasen öppnar inte signeringsnyckeln"):
        signer_for(config)
    problems = check_config(config)
    assert any(f"lösenfrasen i miljövariabeln {ENV} öppnar inte" in p for p in problems), problems


def test_a_passphrase_set_later_for_the_demo_key_names_the_generated_one(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer_for(config)
    bootstrap._signers.clear()
    monkeypatch.setenv(ENV, "ny-lösen")
    with pytest.raises(WrongPassphraseError, match="demonyckeln") as caught:
        signer_for(config)
    assert DEMO_PASSPHRASE_FILE in str(caught.value)
    assert any("demonyckeln" in p for p in check_config(config))


def test_an_encrypted_key_without_its_passphrase_is_refused_clearly(config: Config) -> None:
    ensure_signing_key(_key(config), "organisationens", common_name="X", organisation="Y")
    with pytest.raises(WrongPassphraseError, match=f"miljövariabeln {ENV} är tom"):
        signer_for(config)
    assert any("är krypterad men" in p for p in check_config(config))


def test_an_organisations_unencrypted_key_is_left_alone_but_check_config_objects(config: Config) -> None:
    _ca_issued_unencrypted(_key(config))
    before = _key(config).read_bytes()
    assert signer_for(config).name == "Exempelby kommun – Minnes"
    assert _key(config).read_bytes() == before
    assert any("okrypterad" in p for p in check_config(config))


def test_check_config_tells_of_the_demo_key_before_and_after_first_start(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    notes: list[str] = []
    assert check_config(config, notes) == []
    assert any("genererad lösenfras" in n and "skapas" in n for n in notes), notes
    assert not _key(config).exists() and not (_state(config) / DEMO_PASSPHRASE_FILE).exists()

    signer_for(config)
    notes = []
    assert check_config(config, notes) == []
    [note] = notes
    assert "demonyckeln" in note and "genererade lösenfrasen" in note
    assert str(_state(config) / DEMO_PASSPHRASE_FILE) in note
    assert "[signing] pkcs12" in note and ENV in note and "organisationens CA" in note

    assert main(["check-config", "--config", str(config.directory)]) == 0
    out = capsys.readouterr().out
    assert "OBS: signering: demonyckeln" in out and "Konfigurationen är giltig." in out


def test_check_config_on_an_old_unencrypted_demo_key_notes_it_and_changes_nothing(config: Config) -> None:
    old = _old_demo_key(_key(config))
    notes: list[str] = []
    assert check_config(config, notes) == []
    assert any("okrypterad" in n and "krypteras" in n for n in notes), notes
    assert _key(config).read_bytes() == old
    assert main(["check-config", "--config", str(config.directory)]) == 0
