# svn2s3: `make demo` and `make test` set up a fresh Debian machine and do everything.

SHELL := /bin/bash
CARGO_HOME ?= $(HOME)/.cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Build: libsvn, APR and libclang for bindgen; gcc for ring (rustls). CA certificates: the system trust store.
# Tests and demo: the svn client, curl (the demo lists the bucket with it).
DEB_PACKAGES := libsvn-dev libapr1-dev libclang-dev pkg-config gcc subversion curl ca-certificates
S3S_FS_VERSION := 0.14.1

.PHONY: all deps build demo test clean

all: build

## deps: install what is missing (Debian packages, clippy/rustfmt, s3s-fs); installed things are left alone
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing" $$missing; \
	    $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v cargo >/dev/null || { echo "deps: cargo not found; install Rust from rustup.rs" >&2; exit 1; }
	@cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
	@cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@command -v s3s-fs >/dev/null || [ -x "$(CARGO_HOME)/bin/s3s-fs" ] || \
	    cargo install s3s-fs@$(S3S_FS_VERSION) --features binary --locked

build: deps
	cargo build --release

## demo: a sample repository published twice to a local S3-compatible server
demo: build
	scripts/demo.sh target/release/svn2s3

## test: every test, clippy with -D warnings, and rustfmt
test: deps
	cargo test --workspace
	cargo clippy --workspace --all-targets -- -D warnings
	cargo fmt --all -- --check

clean:
	cargo clean
