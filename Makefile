# The README's two commands are `make demo` and `make test`; each sets itself up from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo
STAMP := $(VENV)/.installed

.PHONY: demo test lint format clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: generate the bundled demo cohort, refresh the registry on it, print the summary
demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/jakreg simulate --out $(DEMO) --patients 3000 --centers 4 --seed 42
	@echo "JAKREG_PSEUDONYM_KEY is set to a demo key for this run; set your own for real data."
	JAKREG_PSEUDONYM_KEY=demo-key-not-secret-0123456789abcdef $(BIN)/jakreg run \
		--centers $(DEMO)/centers.yaml --db $(DEMO)/registry.duckdb --out $(DEMO)/out

## test: lint and run the whole test suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

## bench: jakreg beside the plain-DuckDB reference script on generated cohorts of SIZES patients,
## then the 200-patient 4-center fixed cost; writes benchmarks/results/ (1M takes a while)
SIZES ?= 10000,100000,1000000
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --sizes $(SIZES)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(DEMO)
