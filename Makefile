# unigo: `make build` builds the tool, `make test` runs every test (the
# end-to-end ones boot real images in QEMU, hence the long timeout).

GO ?= go

.PHONY: build test

build:
	$(GO) build -o bin/unigo ./cmd/unigo

test:
	$(GO) test -timeout 35m ./...
