# analyze: see README.md. Every target is phony: make always re-runs it.
GO       ?= go
MODULE   := github.com/payops/analyze
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
# A count, not a duration: a duration-bound fuzz run can end with "context
# deadline exceeded" while an input is still executing, which would make CI flaky.
FUZZTIME ?= 3000x

.PHONY: build test check vet fmt imports bench bench-memory bench-rca fuzz fuzz-smoke demo samples clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o analyze ./cmd/analyze

# The one test command (README and .ci/run call it): static checks, the
# whole test suite, and a few seconds of every fuzz target.
test: check fuzz-smoke

check: vet fmt imports
	$(GO) test -count=1 ./...
	cd beam && $(GO) vet ./... && $(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './bench/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# ingest, classify and report never import each other (nor the pipeline).
imports:
	@for p in ingest classify report; do \
	  for q in ingest classify report pipeline; do \
	    [ $$p = $$q ] && continue; \
	    if $(GO) list -deps ./pkg/$$p | grep -qx "$(MODULE)/pkg/$$q"; then \
	      echo "import rule broken: pkg/$$p imports pkg/$$q"; exit 1; fi; \
	  done; done; echo "import rule ok"

# A short run of each fuzz target (3000 inputs each); `make fuzz FUZZTIME=10m` digs deeper.
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME)

fuzz:
	@set -e; for pkg in $$($(GO) list ./pkg/...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) > /tmp/fuzz-$$t.log 2>&1 || { cat /tmp/fuzz-$$t.log; exit 1; }; \
	  done; done

# The demo: the bundled samples, tables on stdout and a report set in out/demo.
demo: build
	./analyze run --top 5 samples/
	./analyze run --quiet -f csv,json,parquet,html,xlsx --bucket 1h -o out/demo samples/
	@# the samples are small; a generated day shows the spike investigation
	./analyze gen --rows 120000 --seed 7 --merchants 1500 -o out/day.csv
	./analyze spike --quiet --window 2026-11-21T14:00..2026-11-21T15:00 --top 5 out/day.csv
	@echo; echo "report set written to out/demo:"; ls out/demo

# Regenerate the committed samples (deterministic: fixed seeds).
samples:
	$(GO) run ./cmd/gensamples -samples samples

# analyze against DuckDB on 5M generated rows (a separate module, see bench/).
bench: build
	cd bench && $(GO) run ./cmd/duckbench -analyze ../analyze

# The root-cause localizer on the public RS benchmark (135 labelled cases):
# TP, FP, FN, F1 and time per case (see ../shared/benchmarks/rca/README.md).
RCA_DATA ?= ../shared/benchmarks/rca/RS
bench-rca:
	$(GO) run ./cmd/rcabench -data $(RCA_DATA)

# Peak RSS with many distinct keys: ROWS rows over MERCHANTS merchants.
ROWS      ?= 20000000
MERCHANTS ?= 1000000
bench-memory: build
	@mkdir -p bench/work
	@test -f bench/work/mem-$(ROWS)-$(MERCHANTS).csv || ./analyze gen --rows $(ROWS) --merchants $(MERCHANTS) -o bench/work/mem-$(ROWS)-$(MERCHANTS).csv
	/usr/bin/time -f "peak RSS %M KB, %e s wall" ./analyze run -q -o bench/work/out-mem bench/work/mem-$(ROWS)-$(MERCHANTS).csv

clean:
	rm -rf analyze out
