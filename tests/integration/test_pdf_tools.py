"""The signed minutes PDF checked with real tools: pdfsig, pdftotext, pdffonts, qpdf, PDFBox preflight."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.pdf.render import render_minutes
from service.pdf.sign import Signer
from service.pdf.verify import verify_pdf
from tests.support.minutes import WORKPLACE, long_minutes, sample_minutes
from tests.support.pki import PkiServer
from tests.unit.test_pdf_samples import PASSPHRASE, write_key
from tests.unit.test_pdf_sign import add_page

JAVA_DIR = Path("/usr/share/java")
PREFLIGHT_JARS = (
    "preflight.jar", "pdfbox2.jar", "fontbox2.jar", "xmpbox.jar",
    "commons-logging.jar", "javax.activation.jar", "jaxb-api.jar",
)
DEBIAN_PACKAGES = (
    "poppler-utils qpdf default-jre-headless libpdfbox2-java libfontbox2-java libcommons-logging-java "
    "libactivation-java libjaxb-api-java"
)
VERIFY_URL = "http://127.0.0.1:8080/verifiera"


def tool(name: str) -> str:
    """Return the tool's path, failing (not skipping) with the Debian packages to install."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} saknas: installera `apt-get install {DEBIAN_PACKAGES}`")
    return path


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a tool and return its result (text)."""
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)


def preflight(path: Path) -> str:
    """Run PDFBox preflight (PDF/A-1b) on a file and return its report."""
    java = tool("java")
    missing = [j for j in PREFLIGHT_JARS if not (JAVA_DIR / j).exists()]
    if missing:
        pytest.fail(f"PDFBox saknas ({', '.join(missing)}): installera `apt-get install {DEBIAN_PACKAGES}`")
    cp = ":".join(str(JAVA_DIR / j) for j in PREFLIGHT_JARS)
    result = run(java, "-cp", cp, "org.apache.pdfbox.preflight.Validator_A1b", path)
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> Signer:
    return Signer.load(write_key(tmp_path_factory.mktemp("key")), PASSPHRASE)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, signer: Signer) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdf")
    out = {}
    short = render_minutes(sample_minutes(), WORKPLACE, archive_url="http://127.0.0.1:8080/protokoll/7")
    long = render_minutes(long_minutes(40), WORKPLACE)
    for name, data in {
        "short": short,
        "short-signed": signer.sign(short, verify_url=VERIFY_URL),
        "long-signed": signer.sign(long, verify_url=VERIFY_URL),
    }.items():
        out[name] = folder / f"{name}.pdf"
        out[name].write_bytes(data)
    return out


@pytest.mark.parametrize("name", ["short-signed", "long-signed"])
def test_pdfsig_valid_and_whole_document(files: dict[str, Path], name: str) -> None:
    result = run(tool("pdfsig"), files[name])
    assert "Signature is Valid." in result.stdout, result.stdout
    assert "Total document signed" in result.stdout, result.stdout
    assert "Signer Certificate Common Name: Exempelby kommun – Minnes" in result.stdout


def test_pdfsig_sees_page_added_later(files: dict[str, Path], signer: Signer, tmp_path: Path) -> None:
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(add_page(files["short-signed"].read_bytes()))
    result = run(tool("pdfsig"), changed)
    assert "Total document signed" not in result.stdout
    assert not verify_pdf(changed.read_bytes(), trusted_certs=[signer.certificate_pem]).valid


@pytest.mark.parametrize("name", ["short", "short-signed", "long-signed"])
def test_all_fonts_embedded(files: dict[str, Path], name: str) -> None:
    result = run(tool("pdffonts"), files[name])
    rows = result.stdout.splitlines()[2:]
    assert rows, result.stdout
    for row in rows:
        fields = row.split()
        assert fields[-5] == "yes", row  # the emb column


@pytest.mark.parametrize("name", ["short", "short-signed", "long-signed"])
def test_qpdf_check_clean(files: dict[str, Path], name: str) -> None:
    result = run(tool("qpdf"), "--check", files[name])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_swedish_text_reads_back(files: dict[str, Path]) -> None:
    text = run(tool("pdftotext"), "-layout", files["short-signed"], "-").stdout
    for expected in (
        "Hemtjänst Norr",
        "Minnesanteckningar – Arbetsplatsträff (APT)",
        "20 november 2026",
        "13:00–14:30",
        "Närvaro och roller",
        "Skyddsombud",
        "Karin Berg",
        "§ 4 Arbetsmiljö och hälsa",
        "Åsa, Örjan och Ängla",
        "Punkten behandlades inte.",
        "Beslut",
        "Beställa glidlakan till alla bilar.",
        "§ 8 Övriga frågor",
        "Julbord",
        "Sammanställning av åtgärder",
        "<b>utförligt</b> & länge",
        "Elektroniskt signerad av",
        "Tidpunkt:",
        VERIFY_URL,
    ):
        assert expected in text, expected
    assert re.search(r"sida 1 av \d+", text)


def test_long_minutes_break_across_pages(files: dict[str, Path]) -> None:
    pages = int(
        next(line for line in run(tool("pdfinfo"), files["long-signed"]).stdout.splitlines()
             if line.startswith("Pages:")).split()[1]
    )
    assert pages > 5
    text = run(tool("pdftotext"), files["long-signed"], "-").stdout
    assert "Åtgärd 40:" in text and "Åtgärd 1:" in text
    assert f"sida {pages} av {pages}" in text
    last = run(tool("pdftotext"), "-f", str(pages), "-l", str(pages), files["long-signed"], "-").stdout
    assert "Elektroniskt signerad av" in last


@pytest.mark.parametrize("name", ["short", "short-signed", "long-signed"])
def test_pdfbox_preflight_pdfa_1b(files: dict[str, Path], name: str) -> None:
    report = preflight(files[name])
    assert "is a valid PDF/A-1b file" in report, report


@pytest.fixture()
def tsa_url() -> Iterator[str]:
    """Serve RFC 3161 time stamps over real HTTP on loopback, from the throwaway CA's TSA."""
    with PkiServer() as pki:
        yield pki.tsa_url


def test_pades_b_t_with_time_stamping_service(tmp_path: Path, tsa_url: str) -> None:
    signer = Signer.load(write_key(tmp_path), PASSPHRASE, tsa_url=tsa_url)
    pdf = render_minutes(sample_minutes(), WORKPLACE)
    for n in range(2):  # the HTTP client must survive more than one signature per process
        out = tmp_path / f"bt{n}.pdf"
        out.write_bytes(signer.sign(pdf, verify_url=VERIFY_URL))
    result = run(tool("pdfsig"), out)
    first = result.stdout.split("Signature #2:")[0]  # then the document time stamp (B-LTA)
    assert "Signature is Valid." in first, result.stdout
    v = verify_pdf(out.read_bytes(), trusted_certs=[signer.certificate_pem])
    assert v.valid, v.reason
    assert v.timestamped and "tidsstämpel" in v.summary()
    assert v.level == "B-LTA"
    assert "is a valid PDF/A-1b file" in preflight(out)


def test_verify_refuses_changed_byte_found_by_pdfsig_too(files: dict[str, Path], tmp_path: Path,
                                                         signer: Signer) -> None:
    data = files["short-signed"].read_bytes()
    at = data.index(b"Minnesanteckningar Hemtj")
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(data[:at] + b"m" + data[at + 1 :])
    assert "Signature is Valid." not in run(tool("pdfsig"), changed).stdout
    assert not verify_pdf(changed.read_bytes(), trusted_certs=[signer.certificate_pem]).valid
    assert verify_pdf(io.BytesIO(data).getvalue(), trusted_certs=[signer.certificate_pem]).valid
