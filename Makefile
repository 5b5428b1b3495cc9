# vivipass: the two commands of a new user are `make run` and `make test`.
GO      ?= go
BIN     := bin/vivipass
PKGS    := ./...

.PHONY: run build test fuzz-brief bench bench-big lint generate manuale clean

## run: open the desk on the default database, with demo data loaded on first use
run: build
	@$(BIN) demo
	@$(BIN)

# A command's start is most of its time (bench/region.sh). bin/vivipass (-tags lean)
# answers search and whitelist check on the store alone (~5 ms sooner than the full
# program) and hands every other command, the desk and serve to bin/vivipass-completo,
# the full program (cmd/vivipass/lean.go, docs/DESIGN.md). Without
# cgo (nothing in vivipass needs C) ~3 ms sooner: no C threads and allocator arenas set
# up first (user and DNS lookups are Go's own). Without symbol table and DWARF (-s -w);
# panics still print their stack (the line table stays).
BUILDFLAGS := -ldflags='-s -w'
build:
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build $(BUILDFLAGS) -o bin/vivipass-completo ./cmd/vivipass
	CGO_ENABLED=0 $(GO) build $(BUILDFLAGS) -tags lean -o $(BIN) ./cmd/vivipass

## test: every test, with the race detector, then every fuzzer for a few seconds
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)
	@$(MAKE) --no-print-directory fuzz-brief

## fuzz-brief: every fuzzer for 2 s, about 80 s in all (FUZZTIME=10m for a long run; docs/SECURITY.md)
fuzz-brief:
	GO=$(GO) bash scripts/fuzz-brief.sh

## bench: Go benchmarks and the scripts under bench/ (region-sized register)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./domain/... ./pec/...
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./service/legacy/...
	$(GO) test -run '^$$' -bench 'CardPDF|Reminders' -benchmem ./printing/ ./service/
	$(GO) test -run '^$$' -bench 'NationalDrain|IssueWithConsent' -benchtime 1x ./service/
	$(GO) test -run '^$$' -bench SavesDuringImport -benchtime 1x ./service/
	$(GO) test -run '^$$' -bench OpenJobs -benchtime 1x ./store/
	bash bench/region.sh
	bash bench/pec.sh
	$(GO) test -run '^$$' -bench PlateCheckHandler -benchmem ./httpapi/
	bash bench/http.sh
	$(GO) test -run '^$$' -bench . -benchtime 1x ./bench/sshbench/
	$(GO) test -run '^$$' -bench Socket -benchtime 1x ./cmd/vivipass/

## bench-big: the region benchmark at 480,000 passes (4× a region; memory must not grow with it)
bench-big:
	bash bench/region.sh 480000

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## manuale: rewrite the screens of docs/MANUALE.md from the desk (the prose stays as written)
manuale:
	$(GO) test -count=1 ./tui -run TestManuale -update

## generate: rebuild the embedded comuni and foreign-states tables from ../shared/data
generate:
	$(GO) generate ./domain

clean:
	rm -rf bin
