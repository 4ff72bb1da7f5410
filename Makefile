# Two commands for a newcomer: `make demo` and `make test`. Each bootstraps .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,cluster]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kam-xl demo --customers 2000 --seed 7 --out demo-data --workbook demo-data/KeyAccounts-demo.xlsm
	$(BIN)/kam-xl refresh demo-data/KeyAccounts-demo.xlsm
	$(BIN)/python -c "from kam_xl.book import FileBook; t = FileBook('demo-data/KeyAccounts-demo.xlsm').read_table('Winback'); print('Win-back list of demo-data/KeyAccounts-demo.xlsm:', len(t), 'rows,', int(t['Recovered'].isna().sum()), 'open'); print(t[['Customer ID', 'Name', 'Flag', 'Revenue at stake', 'Suggested means']].head(10).to_string(index=False))"

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/core.py
	$(BIN)/python benchmarks/udfs.py
	$(BIN)/python benchmarks/package.py
	$(BIN)/python benchmarks/recalc.py
	$(BIN)/python benchmarks/refresh.py

clean:
	rm -rf $(VENV) demo-data .pytest_cache .hypothesis
