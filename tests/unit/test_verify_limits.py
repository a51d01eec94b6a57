"""Verifying an untrusted PDF: ten signatures at most, a child under limits, 400 pages, a rate limit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from service import cli
from service.bootstrap import Services, render_signed_pdf
from service.pdf import signatures
from service.pdf import verify as checking
from service.web import create_app
from tests.support.configs import make_config
from tests.support.minutes import sample_minutes

SPIN = "while True: pass"
SLEEP = "import time; time.sleep(60)"
EAT = "b = bytearray(2 * 1024 ** 3)"


def add_signature_fields(pdf: bytes, count: int) -> bytes:
    """Add ``count`` signature fields pointing at the PDF's signature (as ../shared/tools/verify_dos.py)."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    value = w.root["/AcroForm"]["/Fields"][0].raw_get("/V")
    fields = generic.ArrayObject()
    for i in range(count):
        fields.append(w.add_object(generic.DictionaryObject({
            generic.NameObject("/FT"): generic.NameObject("/Sig"),
            generic.NameObject("/T"): generic.TextStringObject(f"x{i}"),
            generic.NameObject("/V"): value})))
    w.root[generic.NameObject("/AcroForm")] = w.add_object(generic.DictionaryObject({
        generic.NameObject("/Fields"): fields, generic.NameObject("/SigFlags"): generic.NumberObject(3)}))
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def stand_in(monkeypatch: pytest.MonkeyPatch, work: str) -> None:
    """Start the real child's main, limits and all, with ``work`` in place of the verification."""
    code = (
        "import sys\nfrom service.pdf import verify_child as c\n"
        f"def check(request, data):\n    {work}\n"
        "c.check = check\nsys.exit(c.main(sys.argv[1:]))\n"
    )
    monkeypatch.setattr(checking, "CHILD_COMMAND", ("-c", code))


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A configuration, its archive and a signed PDF recorded there."""
    mp = pytest.MonkeyPatch()
    mp.setenv("MINNES_SIGNING_PASSPHRASE", "test-passphrase")
    root = tmp_path_factory.mktemp("verify-limits")
    config = make_config(root / "config", database_url=f"sqlite:///{root}/minnes.db")
    services = Services(config, queue=False)
    signed = render_signed_pdf(config, sample_minutes(), None, db=services.db)
    yield config, services, signed, root
    services.close()
    mp.undo()


@pytest.fixture
def app(installation):  # noqa: ANN001, ANN201
    config, services, _signed, _root = installation
    app = create_app(config, services)
    app.testing = True
    app.config["VERIFY_RATE_LIMIT"] = None
    return app


def post(client, pdf: bytes, query: str = ""):  # noqa: ANN001, ANN201
    return client.post(
        "/verify" + query, data={"pdf": (io.BytesIO(pdf), "x.pdf")}, content_type="multipart/form-data"
    )


# --------------------------------------------------------------------------- the check itself


def test_a_signed_pdf_verifies_in_the_child(installation, monkeypatch: pytest.MonkeyPatch) -> None:
    config, services, signed, _root = installation

    def not_here(*_a: object, **_k: object) -> None:
        raise AssertionError("the PDF was parsed in the calling process")

    monkeypatch.setattr(signatures, "verify_pdf_here", not_here)
    from service.bootstrap import trusted_certificates

    v = checking.verify_pdf(signed, trusted_certs=trusted_certificates(config, services.db))
    assert v.valid and v.signatures == 1 and v.examined == 1 and not v.problem
    assert v.signer and v.signed_at is not None


def test_many_signature_fields_are_answered_with_at_most_ten_examined(installation) -> None:
    config, services, signed, _root = installation
    from service.bootstrap import trusted_certificates

    trusted = trusted_certificates(config, services.db)
    v = checking.verify_pdf(add_signature_fields(signed, 40), trusted_certs=trusted)
    assert not v.valid and not v.problem
    assert v.signatures == 40 and v.examined == checking.MAX_SIGNATURES == 10
    assert "Kontrollerade signaturer: 10 av 40; de övriga 30 kontrollerades inte" in v.summary()


def test_signatures_beyond_the_limit_keep_a_file_from_being_called_valid(
    installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed = installation[2]
    seen = []

    def every_one_valid(sig: object, roots: object, sha: str, *, count: int) -> checking.Verification:
        seen.append(sig)
        return checking.Verification(valid=True, signer="S", signed_at=None, reason="ok", sha256=sha,
                                     signatures=count)

    monkeypatch.setattr(signatures, "_verify_one", every_one_valid)
    v = signatures.verify_pdf_here(add_signature_fields(signed, 12))  # the child's own work, in this process
    assert len(seen) == 10
    assert not v.valid and v.signatures == 12 and v.examined == 10
    assert "Dokumentet har 12 signaturer. Bara de 10 första kontrollerades" in v.reason


@pytest.mark.parametrize("data", [b"%PDF-1.7\ninte alls en pdf", b"inte en pdf"])
def test_garbage_is_unreadable(data: bytes) -> None:
    v = checking.verify_pdf(data)
    assert not v.valid and v.problem == checking.UNREADABLE
    assert "kunde inte läsas som PDF" in v.reason


def test_a_truncated_pdf_is_unreadable(installation) -> None:
    signed = installation[2]
    for cut in (len(signed) // 3, len(signed) - 10):
        v = checking.verify_pdf(signed[:cut])
        assert v.problem == checking.UNREADABLE, (cut, v)


def test_the_child_runs_under_the_default_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, "import json, resource; return {'valid': False, 'reason': json.dumps("
             "[resource.getrlimit(resource.RLIMIT_CPU), resource.getrlimit(resource.RLIMIT_AS), "
             "resource.getrlimit(resource.RLIMIT_CORE)])}")
    v = checking.verify_pdf(b"%PDF-1.7")
    assert v.reason == f"[[5, 6], [{512 * 1024 * 1024}, {512 * 1024 * 1024}], [0, 0]]"


def test_a_verification_over_its_cpu_time_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, SPIN)
    v = checking.verify_pdf(b"%PDF-1.7", limits=checking.Limits(cpu_seconds=1, wall_seconds=30))
    assert v.problem == checking.CPU and not v.valid
    assert "mer än 1 s processortid" in v.reason


def test_a_verification_over_its_memory_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, EAT)
    v = checking.verify_pdf(b"%PDF-1.7")
    assert v.problem == checking.MEMORY and "mer än 512 MB minne" in v.reason


def test_the_real_verifier_is_held_to_its_memory_limit(installation) -> None:
    v = checking.verify_pdf(installation[2], limits=checking.Limits(memory_bytes=64 * 1024 * 1024))
    assert v.problem == checking.MEMORY


def test_a_verification_over_its_wall_clock_time_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, SLEEP)
    v = checking.verify_pdf(b"%PDF-1.7", limits=checking.Limits(wall_seconds=1))
    assert v.problem == checking.TIMEOUT


def test_only_plain_known_fields_come_back_from_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, "return {'valid': 'yes', 'signer': 5, 'reason': 'x', 'sha256': 'f' * 64, "
             "'signatures': 3, 'signed_at': 'not a time', 'extra': [1]}")
    v = checking.verify_pdf(b"%PDF-1.7")
    assert v.valid is False and v.signer == "" and v.signatures == 3 and v.signed_at is None
    assert v.sha256 != "f" * 64, "the file's hash is the caller's own"


def test_a_child_that_dies_is_a_failed_check(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, "import os; os._exit(7)")
    assert checking.verify_pdf(b"%PDF-1.7").problem == checking.FAILED


# --------------------------------------------------------------------------- the /verify page


def test_the_page_still_says_a_signed_pdf_is_authentic(app, installation) -> None:
    resp = post(app.test_client(), installation[2])
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Äkta och oförändrad" in page
    assert "Finns inte i arkivet." in page and "kontrollerades inte" not in page


def test_the_page_examines_ten_of_many_signatures_and_says_so(app, installation) -> None:
    client = app.test_client()
    bomb = add_signature_fields(installation[2], 25)
    page = post(client, bomb).get_data(as_text=True)
    assert "Inte giltig" in page
    assert "15 av filens 25 signaturer kontrollerades inte: högst 10 kontrolleras." in page
    page = post(client, bomb, "?lang=en").get_data(as_text=True)
    assert "15 of the file&#39;s 25 signatures were not examined: at most 10 are." in page


@pytest.mark.parametrize("cut", [3, 2])
def test_a_truncated_or_garbage_pdf_is_a_400_page(app, installation, cut: int) -> None:
    client = app.test_client()
    signed = installation[2]
    for data in (signed[: len(signed) // cut], b"%PDF-1.4\n\x00\xff garbage \x00"):
        resp = post(client, data)
        assert resp.status_code == 400
        page = resp.get_data(as_text=True)
        assert "Filen kunde inte läsas som PDF: den är trasig, ofullständig eller ingen PDF." in page
    resp = post(client, signed[: len(signed) // cut], "?lang=en")
    assert resp.status_code == 400
    assert "The file could not be read as a PDF: it is damaged, incomplete or not a PDF." in resp.get_data(
        as_text=True
    )


def test_a_check_over_its_limits_is_a_400_page(app, monkeypatch: pytest.MonkeyPatch) -> None:
    client = app.test_client()
    stand_in(monkeypatch, SPIN)
    app.config["VERIFY_LIMITS"] = checking.Limits(cpu_seconds=1, wall_seconds=30)
    resp = post(client, b"%PDF-1.7 x")
    assert resp.status_code == 400
    assert "Kontrollen avbröts: filen krävde mer än 1 s processortid." in resp.get_data(as_text=True)
    stand_in(monkeypatch, SLEEP)
    app.config["VERIFY_LIMITS"] = checking.Limits(wall_seconds=1)
    resp = post(client, b"%PDF-1.7 x", "?lang=en")
    assert resp.status_code == 400
    assert "The check was stopped: it took longer than 1 s." in resp.get_data(as_text=True)
    stand_in(monkeypatch, EAT)
    app.config["VERIFY_LIMITS"] = None
    resp = post(client, b"%PDF-1.7 x", "?lang=sv")
    assert resp.status_code == 400 and "filen krävde mer än 512 MB minne" in resp.get_data(as_text=True)


def test_uploads_are_rate_limited_per_client(app) -> None:
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    assert [post(client, b"hej").status_code for _ in range(3)] == [400, 400, 400]
    resp = post(client, b"hej")
    assert resp.status_code == 429
    assert "För många kontroller från din adress." in resp.get_data(as_text=True)
    assert resp.headers.get("Retry-After")
    assert client.get("/verify").status_code == 200, "reading the page is not limited"
    other = app.test_client()
    resp = other.post("/verify", data={"pdf": (io.BytesIO(b"hej"), "x.pdf")},
                      content_type="multipart/form-data", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert resp.status_code == 400, "another address has its own count"


def test_the_rate_limit_can_be_turned_off(app) -> None:
    client = app.test_client()
    assert all(post(client, b"hej").status_code == 400 for _ in range(15))


def test_the_default_rate_limit_is_ten_a_minute(installation) -> None:
    config, services, _signed, _root = installation
    app = create_app(config, services)
    client = app.test_client()
    codes = [post(client, b"hej").status_code for _ in range(11)]
    assert codes == [400] * 10 + [429]


# --------------------------------------------------------------------------- minnes verify


def test_minnes_verify_of_garbage_exits_non_zero_and_says_why(installation, tmp_path: Path, capsys) -> None:
    root = installation[3]
    junk = tmp_path / "skräp.pdf"
    junk.write_bytes(b"%PDF-1.7\nskrap")
    code = cli.main(["verify", "--config", str(root / "config"), str(junk)])
    out = capsys.readouterr().out
    assert code != 0
    assert "INTE GILTIG – Filen kunde inte läsas som PDF: den är trasig, ofullständig eller ingen PDF" in out


def test_minnes_verify_examines_at_most_ten(installation, tmp_path: Path, capsys) -> None:
    root, signed = installation[3], installation[2]
    ok = tmp_path / "ok.pdf"
    ok.write_bytes(signed)
    assert cli.main(["verify", "--config", str(root / "config"), str(ok)]) == 0
    assert "Resultat: GILTIG" in capsys.readouterr().out
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(add_signature_fields(signed, 30))
    assert cli.main(["verify", "--config", str(root / "config"), str(bomb)]) != 0
    assert "Kontrollerade signaturer: 10 av 30; de övriga 20 kontrollerades inte" in capsys.readouterr().out
