# One entry point for set-up, building and testing. Everything a fresh machine needs
# (Python packages, Java and the Nu HTML checker, Chromium) is installed from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TOOLS  := .cache/tools
VNU_VERSION := 26.9.27
export LITDIGEST_VNU_JAR := $(abspath $(TOOLS))/node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: site serve test lint check-tools clean

site: $(VENV)/.installed  ## build the embedded default site into site/
	$(BIN)/litdigest build

serve: $(VENV)/.installed  ## build and preview on http://127.0.0.1:8000/ (PORT=N for another)
	$(BIN)/litdigest serve $(if $(PORT),--port $(PORT))

test: $(VENV)/.installed check-tools lint  ## the whole suite: lint, types, tests
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# System tools the tests drive, from Debian: Java for the Nu HTML checker (itself from npm)
# and Chromium for the browser tests (driven by Playwright; never a browser download).
check-tools: $(LITDIGEST_VNU_JAR)
	@command -v java >/dev/null && command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless chromium \
	  fonts-dejavu-core >/dev/null; }

$(LITDIGEST_VNU_JAR):
	@command -v npm >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) vnu-jar@$(VNU_VERSION)

clean:
	rm -rf site .cache/build .cache/serve
