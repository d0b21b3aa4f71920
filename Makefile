# crm8 — the two commands: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SAO := node_modules/tryton-sao
DEMO_DB := sqlite:///$(CURDIR)/var/demo.sqlite
PORT ?= 8000

.PHONY: demo test install sao system-packages screenshot clean

demo: install sao var/.demo-ready
	$(VENV)/bin/crm8 serve --database $(DEMO_DB) --port $(PORT)

# Upgrades the demo database only when the addons changed since the last run.
var/.demo-ready: $(VENV)/.installed $(shell find addons -type f \( -name '*.py' \
		-o -name '*.xml' -o -name '*.po' -o -name '*.cfg' -o -name '*.html' \))
	$(VENV)/bin/crm8 init --database $(DEMO_DB) --demo --lang zh_CN
	touch $@

test: install sao system-packages
	$(PY) tools/runtests.py

# Reinstalls only when pyproject.toml changed.
install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

# The web client: no build step; its own dependencies are installed inside.
sao: $(SAO)/.installed
$(SAO)/.installed:
	npm install --no-audit --no-fund --no-save 'tryton-sao@~8.0.0'
	cd $(SAO) && npm install --no-audit --no-fund --omit=dev --legacy-peer-deps
	touch $@

# Chinese font for PDF, Chromium for the browser tests (Debian packages).
system-packages:
	@if ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk' \
	    || ! test -x /usr/bin/chromium; then \
	    apt-get update -q && apt-get install -y -q fonts-wqy-microhei chromium; \
	fi

screenshot: install sao system-packages
	CRM8_SCREENSHOT=doc/demo.png $(VENV)/bin/pytest -q tests/test_demo.py -k browser_rep

clean:
	rm -rf var/*.sqlite var/*.conf
