"""Check a configuration for what a newcomer must fix before the first run (``minnes check-config``)."""

from __future__ import annotations

from pathlib import Path

from service.bootstrap import demo_passphrase_path, generated_passphrase, opens_with_generated
from service.config import Config


def check_config(config: Config, notes: list[str] | None = None) -> list[str]:
    """Return what a newcomer must fix beyond what loading already checked; add what to know to ``notes``."""
    from service.config.loading import DEPRECATED_KEYS, deprecated_keys

    problems: list[str] = []
    s = config.settings
    key_problems, key_notes = _signing_key_findings(config)
    problems += key_problems
    if notes is not None:
        notes += key_notes
    for dotted in deprecated_keys(config.directory):
        problems.append(f"{dotted} är föråldrad — {DEPRECATED_KEYS[dotted]}")
    for wp in config.workplaces.values():
        if not wp.managers:
            problems.append(f"{wp.id}: rostern saknar chef (role = manager)")
        if not wp.safety_reps:
            problems.append(
                f"{wp.id}: rostern saknar skyddsombud (role = safety_rep) — de ska alltid få protokollen"
            )
    if s.intake.source == "imap":
        if not s.intake.imap.username:
            problems.append("intake.imap.username är tom")
        if not config.secret(s.intake.imap.password_env):
            problems.append(f"miljövariabeln {s.intake.imap.password_env} (IMAP-lösenordet) är inte satt")
    if (
        s.delivery.method == "smtp"
        and s.delivery.smtp.username
        and not config.secret(s.delivery.smtp.password_env)
    ):
        problems.append(f"miljövariabeln {s.delivery.smtp.password_env} (SMTP-lösenordet) är inte satt")
    if s.delivery.verp and not config.secret(s.delivery.verp_secret_env):
        problems.append(
            f"delivery.verp är på men miljövariabeln {s.delivery.verp_secret_env} är tom — "
            "utan nyckel kan vem som helst förfalska studsar"
        )
    return problems


def _signing_key_findings(config: Config) -> tuple[list[str], list[str]]:
    """Say what the signing key is (problems, notes) without making, changing or keeping it."""
    from service.pdf.keys import KeyState, key_state

    signing = config.settings.signing
    env = signing.passphrase_env
    path = Path(signing.pkcs12)
    stored = demo_passphrase_path(config)
    real = config.secret(env)
    howto = (
        f"För skarp drift: lägg en PKCS#12 från organisationens CA i [signing] pkcs12 och dess "
        f"lösenfras i miljövariabeln {env}."
    )
    if real:
        state = key_state(path, real)
        if state is KeyState.MISSING:
            return [], [f"signering: vid första start skapas en självsignerad nyckel i {path}, krypterad med "
                        f"lösenfrasen i {env}; den är bara till för att prova Minnes. {howto}"]
        if state is KeyState.OPENS:
            return [], []
        if state is KeyState.UNREADABLE:
            return [f"signeringsnyckeln {path} kan inte läsas — kontrollera filens rättigheter"], []
        problem = f"lösenfrasen i miljövariabeln {env} öppnar inte signeringsnyckeln {path}"
        if opens_with_generated(config, path):
            problem += (f" — den är demonyckeln, krypterad med den genererade lösenfrasen i {stored}; "
                        f"lägg organisationens PKCS#12 i [signing] pkcs12, eller töm {env}")
        elif state is not KeyState.LOCKED:
            problem += " — filen är okrypterad"
        return [problem], []
    generated = generated_passphrase(config)
    state = key_state(path, generated)
    if state is KeyState.MISSING:
        return [], [f"signering: ingen lösenfras är satt ({env} är tom) — vid första start skapas en "
                    f"självsignerad demonyckel i {path}, krypterad med en genererad lösenfras som sparas i "
                    f"{stored}. Demonyckeln är bara till för att prova Minnes. {howto}"]
    if state is KeyState.OPENS:
        return [], [f"signering: demonyckeln {path} används, krypterad med den genererade lösenfrasen i "
                    f"{stored} ({env} är tom). Den är självsignerad och bara till för att prova Minnes. "
                    f"{howto}"]
    if state is KeyState.UNENCRYPTED_DEMO:
        return [], [f"signering: demonyckeln {path} är okrypterad (gjord av en äldre version) — vid nästa "
                    f"start krypteras den med en genererad lösenfras som sparas i {stored}. {howto}"]
    if state is KeyState.UNENCRYPTED:
        return [f"signeringsnyckeln {path} är okrypterad — den som kan läsa filen kan signera i "
                f"organisationens namn; skydda den med en lösenfras och sätt lösenfrasen i miljövariabeln "
                f"{env}"], []
    if state is KeyState.UNREADABLE:
        return [f"signeringsnyckeln {path} kan inte läsas — kontrollera filens rättigheter"], []
    return [f"signeringsnyckeln {path} är krypterad men miljövariabeln {env} är tom (och ingen genererad "
            f"lösenfras i {stored} öppnar den) — sätt nyckelns lösenfras i {env}"], []
