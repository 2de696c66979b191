# Two commands set up everything on a fresh machine:
#   make build   creates .venv, installs the project, builds output/portrait-of-a-leader.pdf
#                (screen, PDF/UA-1) and output/portrait-of-a-leader-print.pdf (print, PDF/X-4)
#   make test    same set-up, then runs the whole test suite (slow end-to-end tests included)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

# System libraries WeasyPrint loads at run time (Debian/Ubuntu package names).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1
# Only the tests need these: the district studio's browser test drives Debian's chromium, and
# Poppler's pdfinfo reads the structure tree independently of portrait.
TEST_SYSTEM_PACKAGES := chromium poppler-utils

.PHONY: build test test-fast explore lint docs bench mutation system system-test clean readme-cover

build: $(STAMP)
	$(PY) build.py build

test: $(STAMP) system-test
	$(PY) -m pytest -n auto

test-fast: $(STAMP)
	$(PY) -m pytest -n auto -m "not slow"

# The property tests with fresh random examples (make test always runs the same ones).
explore: $(STAMP)
	HYPOTHESIS_PROFILE=explore $(PY) -m pytest -n auto tests/inputs/test_districts_property.py

# Workflows: actionlint (also shellcheck on run: scripts when shellcheck is on PATH) and zizmor
# without network; any finding fails.
lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks build.py
	$(PY) -m ruff format --check src tests benchmarks build.py
	$(PY) -m mypy src
	$(VENV)/bin/actionlint .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline .github/workflows/
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

# The documentation site (docs/, mkdocs.yml) into site/: open site/index.html.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

bench: $(STAMP)
	$(PY) benchmarks/bench_build.py

# Mutation testing (not in CI): mutmut changes the preflight, the fetcher, the logo sanitizer and
# the atomic writer one small edit at a time ([tool.mutmut] in pyproject.toml) and runs the fast
# tests that reach each edit; every edit should make a test fail. Results: `mutmut results`,
# one diff: `mutmut show NAME`. README "Mutation testing" has the last score.
mutation: $(STAMP)
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2
	$(VENV)/bin/mutmut results

$(STAMP): pyproject.toml | system
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Pango and friends come from the system, not from PyPI. Install them when we can
# (root with apt-get), otherwise stop with the command that would.
system:
	@if $(PYTHON) -c "import ctypes.util as u, sys; sys.exit(0 if u.find_library('pango-1.0') and u.find_library('pangoft2-1.0') and u.find_library('harfbuzz-subset') and u.find_library('fontconfig') else 1)"; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing WeasyPrint's system libraries: $(SYSTEM_PACKAGES)"; \
		apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES); \
	else \
		echo "WeasyPrint needs Pango, HarfBuzz and Fontconfig, which are not installed."; \
		echo "Install them, then run make again:"; \
		echo "  Debian/Ubuntu: sudo apt-get install $(SYSTEM_PACKAGES)"; \
		echo "  Fedora:        sudo dnf install pango"; \
		echo "  macOS:         brew install pango"; \
		exit 1; \
	fi

# The browser test (tests/studio/test_studio_browser.py) runs Debian's chromium through Playwright;
# Playwright's own browser download is never used. `make build` does not need it.
system-test:
	@if { [ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ] || [ -x /usr/bin/google-chrome ]; } \
		&& command -v pdfinfo >/dev/null; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing what the tests need besides Python: $(TEST_SYSTEM_PACKAGES)"; \
		apt-get update -qq && apt-get install -y -qq $(TEST_SYSTEM_PACKAGES); \
	else \
		echo "The tests need Debian's chromium (the studio's browser test) and Poppler's pdfinfo."; \
		echo "Install it, then run make test again:"; \
		echo "  Debian/Ubuntu: sudo apt-get install $(TEST_SYSTEM_PACKAGES)"; \
		echo "(make test-fast skips that test and does not need it.)"; \
		exit 1; \
	fi

clean:
	rm -rf output $(VENV) .pytest_cache mutants site

# The cover picture in the README, from the current build.
readme-cover: build
	$(PY) -c "import pypdfium2 as p; p.PdfDocument('output/portrait-of-a-leader.pdf')[0].render(scale=60/72).to_pil().save('docs/cover.png', optimize=True)"
