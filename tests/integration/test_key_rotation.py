"""After the signing key is replaced, PDFs signed with the earlier key still verify from the archive."""

from __future__ import annotations

import json

from service import bootstrap
from service.bootstrap import Services, render_signed_pdf, verify_pdf_file
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft


def _minutes(config) -> dict:  # noqa: ANN001
    from service.structuring import structure_message

    raw = authenticated(corpus_draft("d01-plain-numbered"))
    return json.loads(json.dumps(structure_message(raw, config).output))


def test_rotated_key_signs_from_now_on_and_old_pdfs_still_verify(tmp_path, database_url):
    config = make_config(tmp_path / "config", database_url=database_url)
    key = config.settings.signing.pkcs12
    minutes = _minutes(config)
    with Services(config, queue=False) as services:
        bootstrap._signers.clear()
        old_pdf, old_cert = render_signed_pdf(config, minutes, None, db=services.db, with_certificate=True)

        key.rename(key.with_suffix(".old"))  # the organisation installs a new key
        bootstrap._signers.clear()
        new_pdf, new_cert = render_signed_pdf(config, minutes, None, db=services.db, with_certificate=True)
        assert new_cert != old_cert

        assert verify_pdf_file(config, old_pdf, services.db).valid
        assert verify_pdf_file(config, new_pdf, services.db).valid

    # Without the archive's record of the old certificate, the old PDF is not trusted.
    assert not verify_pdf_file(make_config(tmp_path / "other"), old_pdf).valid
    bootstrap._signers.clear()
