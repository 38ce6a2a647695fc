# mcnlab build, test and demo targets. Needs Linux, root and Go 1.26.
export PATH := /usr/local/go/bin:$(PATH)
GO    ?= go
BIN   := bin/mcnlab
DEMO  := topologies/generic.yaml

.PHONY: build test demo bench lint clean

build:
	$(GO) build -o $(BIN) ./cmd/mcnlab

# Root tests (namespaces) run when run as root, and skip with a message otherwise.
test:
	$(GO) test -race -count=1 -timeout 25m ./...

# Deploy the default topology, show it and its reachability from real pings,
# then destroy it (also when a step fails).
demo: build
	@lab=$$(sed -n 's/^name: *//p' $(DEMO)); \
	./$(BIN) destroy --lab $$lab >/dev/null 2>&1; \
	./$(BIN) deploy -t $(DEMO) && ./$(BIN) inspect --lab $$lab && ./$(BIN) reach --lab $$lab; rc=$$?; \
	./$(BIN) destroy --lab $$lab; exit $$rc

bench: build
	./$(BIN) bench deploy --nodes 200 --repeat 5

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: $$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
