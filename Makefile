# Minnes — the two commands a newcomer needs:
#   make run    install everything and run the whole service on its embedded default
#   make test   install what the tests need and run them
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
EARK   := .venv-eark
CONFIG ?= config

RUN_PACKAGES  := python3 python3-venv python3-pip redis-server fonts-dejavu-core
TEST_PACKAGES := $(RUN_PACKAGES) dovecot-imapd poppler-utils qpdf postgresql \
                 default-jre-headless libpdfbox2-java libfontbox2-java libcommons-logging-java \
                 libactivation-java libjaxb-api-java chromium nodejs

.PHONY: run test bench lint venv system-run system-test clean axe

DEMO_ADMIN ?= demo.admin@exempelby.se

run: system-run $(VENV)/.installed
	$(BIN)/minnes run --config $(CONFIG) --admin $${MINNES_DEMO_ADMIN:-$(DEMO_ADMIN)}

test: system-test $(VENV)/.installed node_modules/.installed $(EARK)/.installed
	$(BIN)/pytest -q -p no:cacheprovider
	$(BIN)/ruff check service workers tests bench
	$(BIN)/lint-imports --no-cache

bench: system-test $(VENV)/.installed
	@status=0; for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || { echo "   ($$b: goal not met)"; status=1; }; done; exit $$status

lint: $(VENV)/.installed
	$(BIN)/ruff check service workers tests bench

system-run:
	@sh scripts/ensure-packages $(RUN_PACKAGES)

system-test:
	@sh scripts/ensure-packages $(TEST_PACKAGES)

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

# eark-validator in a virtualenv of its own: it pins its own lxml. The tests find it at $(EARK).
$(EARK)/.installed: requirements-eark.txt
	@test -x $(EARK)/bin/python || $(PYTHON) -m venv $(EARK)
	$(EARK)/bin/python -m pip install -q -r requirements-eark.txt
	@touch $@

# axe-core and puppeteer-core (pinned in package-lock.json) for the accessibility checks.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || sh scripts/ensure-packages npm
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

# axe-core (WCAG 2.1 A/AA) over every page of a filled archive, as each role, in headless Chromium.
axe: system-test $(VENV)/.installed node_modules/.installed
	$(BIN)/pytest -q -p no:cacheprovider tests/integration/test_accessibility.py

clean:
	rm -rf $(VENV) $(EARK) var node_modules
