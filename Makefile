# pacte-backoffice — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# The browser journeys (tests/browser/) drive Debian's Chromium through Playwright.
TEST_SYSTEM_PACKAGES := chromium

.PHONY: demo test install system-packages test-system-packages lint clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: system-packages $(VENV)/.installed

# WeasyPrint needs Pango, HarfBuzz subsetting and a font. Installed when missing and root.
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages for WeasyPrint:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "WARNING: missing system packages for PDF generation:$$missing (install them as root)"; \
	  fi; \
	fi

# Chromium for the browser journeys. Without it (not root), pytest skips them loudly;
# with REQUIRE_SERVICES=1 (CI) it refuses to skip them.
test-system-packages:
	@missing=""; for p in $(TEST_SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages for the browser journeys:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "WARNING: missing system packages for the browser journeys:$$missing (install them as root)"; \
	  fi; \
	fi

# Links in the demo's e-mails use the port it is served on (make demo PORT=8101).
demo: export SITE_URL ?= http://127.0.0.1:$(PORT)
demo: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Back office: $(SITE_URL)/   (administration : /admin/, API : /api/docs/)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install test-system-packages
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 test.sqlite3 media .test-media staticfiles
