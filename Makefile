# kiln: the two commands are `make demo` and `make test`; both run `make setup` first.
#
#   make setup   install what the tests need (apt, pip), idempotently; fast when already done
#   make test    every test: cargo tests (snarkjs/circom interop and the EVM verifier included),
#                the cpu selftest, criterion benches in test mode
#   make demo    build in release mode and run `kiln demo`
#   make bench   `kiln bench` on the cpu backend and the criterion benches (long)
#   make bench-snarkjs   kiln prove against snarkjs groth16 prove, 2^12..2^16 constraints (longer)
#   make bench-plonk     kiln prove against snarkjs plonk prove, 2^10..2^13 constraints (longer)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO ?= cargo
DEPS := $(CURDIR)/.deps
APT_PACKAGES := verilator yosys mesa-vulkan-drivers
NVRTC_VERSION := 13.0.*
NVRTC_LIB := $(DEPS)/nvrtc/nvidia/cu13/lib
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# NVRTC from PyPI, for compiling CUDA kernels without a GPU (kiln kernels check).
export LD_LIBRARY_PATH := $(NVRTC_LIB)$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))

.PHONY: setup setup-toolchain setup-apt setup-pip setup-npm fixtures test demo bench bench-snarkjs bench-plonk build fmt-check

setup: setup-toolchain setup-apt setup-pip setup-npm

# The machine's Rust toolchain (rustup) and a C linker are assumed; say so clearly if absent.
setup-toolchain:
	@command -v $(CARGO) >/dev/null || { echo "setup: cargo not found; install Rust >= 1.91 with rustup" >&2; exit 1; }
	@command -v cc >/dev/null || { echo "setup: no C compiler/linker (cc); apt-get install build-essential" >&2; exit 1; }
	@python3 -m pip --version >/dev/null 2>&1 || { echo "setup: python3 with pip is needed for NVRTC; apt-get install python3-pip" >&2; exit 1; }

# Verilator and yosys (FPGA simulation and synthesis estimates), Mesa's lavapipe (software
# Vulkan for the wgpu backend in CI). apt-get update runs only when something is missing.
setup-apt:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing$$missing (apt)"; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "setup: apt packages present ($(APT_PACKAGES))"; \
	fi

# NVRTC into a local folder (not the system Python): the CUDA kernels compile against it.
setup-pip:
	@if [ -e "$(NVRTC_LIB)/libnvrtc.so.13" ]; then \
	  echo "setup: NVRTC present in .deps/nvrtc"; \
	else \
	  echo "setup: installing nvidia-cuda-nvrtc $(NVRTC_VERSION) into .deps/nvrtc (pip)"; \
	  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --upgrade --target "$(DEPS)/nvrtc" "nvidia-cuda-nvrtc==$(NVRTC_VERSION)"; \
	fi

# snarkjs, circom2 (circom compiled to WASM), circomlib and solc (solcjs) into a local folder,
# for the snarkjs interop fixtures (tests/interop/fixtures.sh). Skipped when all are present.
NPM_PACKAGES := snarkjs@0.7.6 circom2@0.2.23 circomlib@2.0.5 solc@0.8.37
NODE_DIR := $(DEPS)/node
setup-npm:
	@bin="$(NODE_DIR)/node_modules/.bin"; \
	if [ -e "$$bin/snarkjs" ] && [ -e "$$bin/circom2" ] && [ -e "$$bin/solcjs" ] && [ -d "$(NODE_DIR)/node_modules/circomlib/circuits" ]; then \
	  echo "setup: npm packages present in .deps/node (snarkjs, circom2, circomlib, solc)"; \
	else \
	  command -v npm >/dev/null || { echo "setup: npm not found; install Node.js >= 18 with npm" >&2; exit 1; }; \
	  echo "setup: installing $(NPM_PACKAGES) into .deps/node (npm)"; \
	  mkdir -p "$(NODE_DIR)"; \
	  npm install --prefix "$(NODE_DIR)" --no-audit --no-fund --loglevel=error --save-exact $(NPM_PACKAGES) >/dev/null; \
	fi

build:
	$(CARGO) build --workspace --all-targets

fmt-check:
	$(CARGO) fmt --all -- --check

# The test suite. nextest runs test binaries in parallel where it is installed; doc tests and
# the criterion benches (one iteration each, small sizes) run through cargo itself.
# circom2-compiled circuits with snarkjs keys, witnesses and Solidity verifiers (cached).
FIXTURES := $(CURDIR)/target/interop
export KILN_FIXTURES := $(FIXTURES)

fixtures: setup
	tests/interop/fixtures.sh $(FIXTURES)

test: setup fixtures
	$(CARGO) build --workspace --all-targets
	$(CARGO) run --quiet -- selftest --backend cpu --log-size 10
	KILN_BENCH_LOG_SIZES=8..9 $(CARGO) test --quiet --benches
	$(CARGO) test --quiet --workspace --doc
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --no-fail-fast; \
	else \
	  $(CARGO) test --workspace --no-fail-fast; \
	fi

demo: setup
	$(CARGO) run --release --quiet -- demo

bench: setup
	$(CARGO) run --release --quiet -- bench --log-sizes 10..16 --json bench.json
	$(CARGO) bench --bench msm --bench ntt

# kiln prove against snarkjs groth16 prove on the same keys and witnesses, 2^12..2^16 constraints.
# The first run prepares a power-16 powers of tau, which takes a long time (see the script).
bench-snarkjs: setup
	$(CARGO) build --release --bin kiln
	benches/snarkjs_compare.sh $(CURDIR)/target/bench-snarkjs 12 16 3

# kiln prove against snarkjs plonk prove on the same PLONK keys and witnesses, 2^10..2^13.
bench-plonk: setup
	$(CARGO) build --release --bin kiln
	benches/snarkjs_plonk_compare.sh $(CURDIR)/target/bench-snarkjs 10 13 3
