# The two commands of the README: `make demo` and `make test`.
# Each creates .venv, installs psyai with the pinned versions in constraints.txt
# (torch is the CPU build 2.13.0) and the system packages the windows need.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
XVFB := xvfb-run -a -s "-screen 0 1280x800x24 -noreset"
DEMO := demo_out/$(shell date +%Y%m%d-%H%M%S)

.PHONY: demo demo-instructgpt demo-class test install system-deps clean

install: $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml constraints.txt scripts/system-deps.sh
	@bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	@touch $(STAMP)

# Two workers (pytest-xdist), one per core. (With three, the Qt editor test lost a key press after the editor
# closed; the cause was found later, a key released in the editor that the window took as still held, and fixed;
# three workers have not been tried since.) Each worker has its own Xvfb (tests/conftest.py); a test module
# stays on one worker (--dist loadscope) so that its fixtures are built once, and modules go out in the
# order tests/conftest.py gives (the longest first), not xdist's default of the most tests first, which
# left the minutes-long cohort modules to run last, alone.
test: $(STAMP) system-deps
	$(XVFB) $(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder

demo: $(STAMP) system-deps
	$(BIN)/psyai validate stimuli/turing_test/items.csv
	$(BIN)/psyai simulate turing_test --participants 16 --dprime 1.0 --criterion 0.2 --item-sd 0.3 --seed 7 --out $(DEMO)/data
	$(BIN)/psyai analyze turing_test $(DEMO)/data --out $(DEMO)/report
	@echo "Texts: real human and model answers (Wikipedia vs ChatGPT; ELYZA vs gpt-4o): stimuli/turing_test/README.md"
	@echo "Report: $(abspath $(DEMO))/report/report.html"

demo-instructgpt: $(STAMP) system-deps
	$(XVFB) $(BIN)/psyai demo instructgpt --out $(DEMO)-instructgpt

demo-class: $(STAMP) system-deps
	$(XVFB) $(BIN)/psyai class demo --out $(DEMO)-class

clean:
	rm -rf $(VENV) demo_out .pytest_cache
