# embedlab: `make demo` runs the main job, `make test` runs the tests; both set up .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime

.PHONY: install models demo test test-slow lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first (an oracle for the tests), so nothing pulls a CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# What the demo runs: embedlab and the `ingest` extra (its documents include HTML), no torch.
$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[ingest]'
	touch $(RUNTIME)

install: $(STAMP)

models: $(STAMP)
	$(BIN)/embedlab pull all-MiniLM-L6-v2 all-mpnet-base-v2 glove-6b-50d

demo: $(RUNTIME)
	$(BIN)/embedlab pull all-MiniLM-L6-v2
	$(BIN)/embedlab index examples/docs --collection .demo/docs.coll
	$(BIN)/embedlab search "how do I compare two embeddings" --collection .demo/docs.coll -k 3
	$(BIN)/embedlab search "ranking by keywords" --collection .demo/docs.coll -k 3 --hybrid
	$(BIN)/embedlab similarity "A man is playing a guitar." \
		"Someone plays an instrument." "A woman is slicing an onion." "The stock market fell today."

# Fast tests (the default marker selection); pytest's "no tests" exit code 5 counts as success.
test: models
	$(BIN)/python -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then exit 0; else exit $$rc; fi

# Oracle and quality checks that take minutes (reduced inputs when CI=true).
# Then the fuzzing suite's long run (ten times the cases of the default run).
test-slow: models
	$(BIN)/python -m pytest -q -m slow; rc=$$?; if [ $$rc -eq 5 ]; then exit 0; else exit $$rc; fi
	EMBEDLAB_FUZZ=long $(BIN)/python -m pytest -q tests/test_fuzz_http.py tests/test_fuzz_api.py \
		tests/test_fuzz_cli.py tests/test_fuzz_files.py; rc=$$?; if [ $$rc -eq 5 ]; then exit 0; else exit $$rc; fi

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: models
	$(BIN)/python benchmarks/encode.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
