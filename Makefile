# mcnlab build, test and demo targets. Needs Linux, root and Go 1.26.
export PATH := /usr/local/go/bin:$(PATH)
GO    ?= go
BIN   := bin/mcnlab
DEMO  := topologies/multicloud.yaml

.PHONY: build test demo bench lint clean soak console-screenshots

# bin/mcnlab-gateway is the slim gateway daemon that mcnlab runs for the
# labs' gateways when it lies beside bin/mcnlab (cmd/mcnlab-gateway); it is
# built without cgo, a static binary that maps no C library.
build:
	$(GO) build -o $(BIN) ./cmd/mcnlab
	CGO_ENABLED=0 $(GO) build -o $(BIN)-gateway ./cmd/mcnlab-gateway

# Root tests (namespaces) run when run as root, and skip with a message otherwise.
test:
	$(GO) test -race -count=1 -timeout 25m ./...

# The four-cloud demo: deploy topologies/multicloud.yaml (the controller,
# transit gateway pairs in AWS, Azure, GCP and OCI peered in a full mesh,
# spokes in each cloud in domains prod/dev/shared, on-prem FRR on a
# private line to the AWS transit, one cloud process serving the four
# emulated APIs) and wait for convergence, approve the on-prem app
# network, show the lab, print the reachability matrix from real pings
# (expected, seen, and why each blocked pair is blocked), and destroy it
# (also when a step fails). DEMO=topologies/aws-transit.yaml runs the
# AWS-only one.
demo: build
	@bash scripts/install-packages.sh frr
	@lab=$$(sed -n 's/^name: *//p' $(DEMO)); start=$$(date +%s.%N); \
	./$(BIN) destroy --lab $$lab >/dev/null 2>&1; \
	./$(BIN) deploy -t $(DEMO) && \
	./$(BIN) routes pending --lab $$lab && \
	./$(BIN) routes approve dc1 10.100.0.0/24 --lab $$lab --wait 15s && \
	./$(BIN) inspect --lab $$lab && \
	echo && ./$(BIN) reach --lab $$lab; rc=$$?; \
	./$(BIN) destroy --lab $$lab; \
	awk -v s=$$start -v e=$$(date +%s.%N) 'BEGIN { printf "demo: %.1f s from deploy to destroyed\n", e - s }'; exit $$rc

# The differential soak (scenarios/differential): N random cloud topologies
# drawn from SEED, each simulated, deployed, approved, pinged pair by pair
# and destroyed; a failing case is kept under $$TMPDIR/mcnlab-soak-SEED-CASE.
# MULTI more are drawn across two to four clouds (GenerateMulti), and
# CLOUDN on each of the clouds CLOUD (comma-separated: azure,gcp,oci) alone.
# CASE runs only that case of the seed; PARALLEL labs run at a time.
# `make test` runs the same test with seed 2201, 30 cases, 3 across clouds
# and 2 on OCI.
SEED ?= 2201
N ?= 200
MULTI ?= 20
CLOUD ?= azure,gcp,oci
CLOUDN ?= 10
CASE ?= -1
PARALLEL ?= 1
soak:
	$(GO) test -count=1 -timeout 0 -v -run '^TestDifferential$$' ./scenarios/differential \
		-args -differential.seed=$(SEED) -differential.n=$(N) -differential.multi=$(MULTI) -differential.clouds=$(CLOUD) -differential.cloudn=$(CLOUDN) -differential.case=$(CASE) -differential.parallel=$(PARALLEL)

# The web console's screenshots in docs/console/ (map, a gateway, FlowIQ,
# FlightPath, routes, ...): the browser test (headless Debian chromium,
# root) against the demo topology, writing them there.
console-screenshots:
	MCNLAB_CONSOLE_SHOTS=$(CURDIR)/docs/console $(GO) test -count=1 -timeout 10m -v -run '^TestConsoleLab$$' ./cmd/mcnlab

bench: build
	./$(BIN) bench deploy --nodes 200 --repeat 5

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: $$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
