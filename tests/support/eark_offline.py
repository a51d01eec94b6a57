"""Run eark-validator on one package, offline; print its JSON report. Run with .venv-eark's python.

The validator fetches the CSIP vocabularies from the web when it starts; they ship inside it
(eark_validator/ipxml/resources/vocabs), so their addresses are answered from there. Nothing from the
project is imported: this file runs in the validator's own virtualenv.
"""

from __future__ import annotations

import io
import sys
import urllib.request
from pathlib import Path

import eark_validator

VOCABS = Path(eark_validator.__file__).parent / "ipxml" / "resources" / "vocabs"
_web = urllib.request.urlopen


def _packaged(url, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - urlopen's signature
    name = str(getattr(url, "full_url", url)).rsplit("/", 1)[-1]
    if (VOCABS / name).is_file():
        return io.BytesIO((VOCABS / name).read_bytes())
    return _web(url, *args, **kwargs)


urllib.request.urlopen = _packaged
import eark_validator.ipxml.schematron as schematron  # noqa: E402

schematron.urlopen = _packaged
from eark_validator.cli.app import main  # noqa: E402

if __name__ == "__main__":
    sys.argv = ["eark-validator", "-r", "-c", *sys.argv[1:]]
    sys.exit(main())
