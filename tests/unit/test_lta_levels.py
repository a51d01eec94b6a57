"""The parts of PAdES B-LTA that need no server: chain roots, the level in results, its wording."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from service.pdf.signatures import chain_tops
from service.pdf.verify import LEVEL_B, LEVEL_LTA, Verification
from tests.support.pki import ThrowawayCa


def _asn1(cert) -> asn1_x509.Certificate:  # noqa: ANN001
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def test_chain_tops_are_the_roots_of_the_chains_at_hand() -> None:
    ca = ThrowawayCa(crl_url="http://127.0.0.1:9/ca.crl")
    other = ThrowawayCa(crl_url="http://127.0.0.1:9/other.crl", name="Annan CA")
    leaf, _key = ca.issue("Signerare")
    tsa, _key = other.issue("TSA", time_stamping=True)
    root = _asn1(ca.root)
    tops = chain_tops([_asn1(leaf), root, root, _asn1(tsa)])
    assert [t.subject.native["common_name"] for t in tops] == ["Prov-CA Exempelby", "TSA"]


def test_the_level_survives_the_trip_from_the_child_and_is_printed() -> None:
    v = Verification(valid=True, signer="Exempelby kommun – Minnes", signed_at=None, reason="ok",
                     sha256="ab", signatures=1, examined=1, level=LEVEL_LTA, timestamp_authority="Prov-TSA")
    back = Verification.from_plain(v.to_plain(), sha256="ab")
    assert back == v
    assert "Nivå: PAdES B-LTA (signatur med tidsstämpel, inbäddad valideringsdata och dokumenttidsstämpel" \
        in back.summary()
    assert "Tidsstämplar från: Prov-TSA" in back.summary()


def test_an_unknown_or_missing_level_prints_nothing_odd() -> None:
    plain = Verification(valid=False, signer="", signed_at=None, reason="nej", sha256="ab").to_plain()
    plain["level"] = 7  # a wrong type from a child is dropped
    v = Verification.from_plain(plain, sha256="ab")
    assert v.level == "" and "Nivå" not in v.summary()
    b = Verification(valid=True, signer="x", signed_at=None, reason="ok", sha256="ab", signatures=1,
                     examined=1, level=LEVEL_B)
    assert "Nivå: PAdES B-B (signatur utan tidsstämpel)" in b.summary()
