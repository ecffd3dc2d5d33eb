# kiln: the two commands are `make demo` and `make test`; both run `make setup` first.
#
#   make setup   install what the tests need (apt, pip), idempotently; fast when already done
#   make test    every test: cargo tests (snarkjs/circom interop and the EVM verifier included),
#                the cpu and fpga-sim selftests, criterion benches in test mode, the wgpu backend
#                on lavapipe (make test-wgpu)
#   make demo    build in release mode and run `kiln demo`
#   make bench   `kiln bench` on the cpu backend and the criterion benches (long)
#   make bench-snarkjs   kiln prove against snarkjs groth16 prove, 2^12..2^16 constraints (longer)
#   make bench-plonk     kiln prove against snarkjs plonk prove, 2^10..2^16 constraints (longer)
#   make bench-batch     derivatives batch proving time against batch size (BENCHMARKS.md)
#   make bench-rapidsnark  kiln prove against rapidsnark, Poseidon chains of 7,200..518,400
#                        constraints, time and peak memory (long: keys are made the first time)
#   make sim     the Verilator model of the FPGA card (hdl/) in target/sim (make test builds it)
#   make synth   yosys resource estimate of the multiplier and curve adder (slow; hdl/README.md)
#   make bench-fpga      kiln bench on the simulated card: cycles, projected time (BENCHMARKS.md)
#   make bench-serve     a load test of kiln serve on loopback: 200 jobs from 16 clients
#   make fuzz    each cargo-fuzz target of fuzz/ for FUZZ_S seconds (default 60), with memory
#                limits; make test runs them for 3 s each (RELIABILITY.md)
#   make fault-campaign  1,000 Groth16 and 1,000 PLONK proofs per backend on faulty backends

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO ?= cargo
DEPS := $(CURDIR)/.deps
# iverilog: the RTL must also compile with Icarus (tests/fpga_hdl.rs); libclang-dev: bindgen
# regenerates the card model bindings in a test (ffi/tests/bindings.rs); postgresql: the
# `kiln serve` cluster tests start a server of their own (tests/serve_postgres.rs).
APT_PACKAGES := verilator yosys mesa-vulkan-drivers iverilog libclang-dev postgresql
NVRTC_VERSION := 13.0.*
NVRTC_LIB := $(DEPS)/nvrtc/nvidia/cu13/lib
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# NVRTC from PyPI, for compiling CUDA kernels without a GPU (kiln kernels check).
export LD_LIBRARY_PATH := $(NVRTC_LIB)$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))

.PHONY: setup setup-toolchain setup-apt setup-pip setup-npm fixtures test demo bench bench-snarkjs bench-plonk build fmt-check sim synth bench-fpga
.PHONY: gpu-bundle test-gpu bench-gpu gpu-session test-wgpu bench-batch bench-rapidsnark contracts bench-serve
.PHONY: setup-fuzz fuzz fuzz-seeds fault-campaign hot-code-layout

setup: setup-toolchain setup-apt setup-pip setup-npm setup-fuzz

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

# cargo-fuzz and the nightly toolchain it builds with (fuzz/ has its own workspace and target
# folder, fuzz/target, whatever CARGO_TARGET_DIR says). Each is installed only when missing.
setup-fuzz: setup-toolchain
	@if rustup toolchain list | grep -q '^nightly'; then \
	  echo "setup: nightly toolchain present"; \
	else \
	  echo "setup: installing the nightly toolchain (rustup), for cargo-fuzz"; \
	  rustup toolchain install nightly --profile minimal; \
	fi
	@if $(CARGO) fuzz --version >/dev/null 2>&1; then \
	  echo "setup: cargo-fuzz present ($$($(CARGO) fuzz --version))"; \
	else \
	  echo "setup: installing cargo-fuzz (cargo +nightly install --locked)"; \
	  $(CARGO) +nightly install cargo-fuzz --locked; \
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

# The binary comes from the workspace build: `cargo run` would build the kiln package alone,
# whose feature set differs from the workspace's, and so rebuild it (minutes on 2 cores).
KILN_DEBUG := $(CURDIR)/target/debug/kiln
test: setup fixtures sim fmt-check
	$(CARGO) build --workspace --all-targets
	$(KILN_DEBUG) selftest --backend cpu --log-size 10
	$(KILN_DEBUG) kernels check --arch sm_80
	$(KILN_DEBUG) kernels check --arch sm_90
	for k in 8 9 10 11 12; do $(KILN_DEBUG) selftest --backend fpga-sim --log-size $$k; done
	KILN_BENCH_LOG_SIZES=8..9 $(CARGO) test --quiet --benches
	$(CARGO) test --quiet --workspace --doc
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --no-fail-fast -E '$(NOT_LAVAPIPE)'; \
	else \
	  $(CARGO) test --workspace --no-fail-fast --exclude kiln-wgpu; \
	  $(CARGO) test -p kiln-wgpu --lib; \
	fi
	$(MAKE) --no-print-directory test-wgpu
	$(MAKE) --no-print-directory fuzz FUZZ_S=3

# Each fuzz target of fuzz/ (fuzz/README.md) for FUZZ_S seconds, one after the other, from the
# committed seeds plus what earlier runs found (fuzz/corpus), with libFuzzer's memory limits
# (one allocation above FUZZ_MALLOC_MB, or resident memory above FUZZ_RSS_MB, is a failure).
# Fails if any target crashes; its input is kept in fuzz/artifacts/TARGET. One line per target
# (executions, peak RSS, crashes) in fuzz/artifacts/report.tsv.
FUZZ_S ?= 60
FUZZ_RSS_MB ?= 2048
FUZZ_MALLOC_MB ?= 512
# FUZZ_SANITIZER=none: a build without AddressSanitizer for throughput campaigns (fuzz/run.sh);
# FUZZ_RUNS=N: stop each target after N executions.
FUZZ_SANITIZER ?= address
FUZZ_RUNS ?=
fuzz: setup-fuzz
	RSS_MB=$(FUZZ_RSS_MB) MALLOC_MB=$(FUZZ_MALLOC_MB) FUZZ_SANITIZER=$(FUZZ_SANITIZER) \
	  FUZZ_RUNS=$(FUZZ_RUNS) fuzz/run.sh $(FUZZ_S) $(CURDIR)/fuzz/artifacts/report.tsv

# Rewrites fuzz/seeds from the interop fixtures and the kiln binary (when a format changes).
fuzz-seeds: fixtures
	$(CARGO) build --bin kiln
	FIXTURES=$(FIXTURES) KILN=$(KILN_DEBUG) fuzz/seeds.sh

# 1,000 Groth16 and 1,000 PLONK proofs (FAULT_PROOFS) on the arkworks and cpu backends wrapped
# in kiln_host::faulty::FaultyBackend with injected bit flips, device loss and out-of-memory
# uploads: fails unless every returned proof verifies and every fault was recovered or reported
# (kiln_prover::fault_campaign). The workspace's dev profile is optimised (opt-level 3) and keeps
# debug assertions and overflow checks on, which a campaign wants; it also reuses make test's build.
FAULT_PROOFS ?= 1000
fault-campaign:
	$(CARGO) run --quiet --example fault_campaign -- $(FAULT_PROOFS)

# The wgpu backend's integration tests compile the WGSL pipelines on lavapipe (minutes for the
# G2 kernels); test-wgpu runs them with one device per process, so nextest leaves them out.
NOT_LAVAPIPE := not (package(kiln-wgpu) & kind(test))

demo: setup
	$(CARGO) run --release --quiet -- demo

# Regenerates contracts/PoseidonT5.sol from circuits/src/poseidon.rs and recompiles the committed
# creation code in contracts/bin with solcjs (contracts/README.md); `make test` checks both are
# current (tests/settlement.rs, committed_contracts_are_current).
contracts: setup-npm
	KILN_UPDATE_CONTRACTS=1 $(CARGO) test --test settlement committed_contracts_are_current -- --nocapture

bench: setup
	$(CARGO) run --release --quiet -- bench --log-sizes 10..16 --json bench.json
	$(CARGO) bench --bench msm --bench ntt

# kiln prove against snarkjs groth16 prove on the same keys and witnesses, 2^12..2^16 constraints.
# The first run prepares a power-16 powers of tau, which takes a long time (see the script).
bench-snarkjs: setup
	$(CARGO) build --release --bin kiln
	benches/snarkjs_compare.sh $(CURDIR)/target/bench-snarkjs 12 16 3

# kiln prove against snarkjs plonk prove on the same PLONK keys and witnesses, 2^10..2^16.
bench-plonk: setup
	$(CARGO) build --release --bin kiln
	benches/snarkjs_plonk_compare.sh $(CURDIR)/target/bench-snarkjs 10 16 3

# kiln prove against rapidsnark (the C++ prover circom users run) on the same keys and witnesses:
# Poseidon(2) chains of RAPIDSNARK_SIZES constraints, whole commands alternated, median of 5,
# peak memory. rapidsnark's `prover` from $(RAPIDSNARK) (default: the shared tools folder).
RAPIDSNARK ?= $(abspath $(CURDIR)/../shared/tools/rapidsnark/prover)
RAPIDSNARK_SIZES ?= 7200 31200 129600 518400
bench-rapidsnark: setup
	$(CARGO) build --release --bin kiln
	RAPIDSNARK=$(RAPIDSNARK) benches/rapidsnark_compare.sh $(CURDIR)/target/bench-rapidsnark $(RAPIDSNARK_SIZES) -- 5

# Rewrites link/hot_code.ld, the list of functions `kiln prove` runs that the linker keeps
# together (link/hot_code.py: valgrind's callgrind, and perf where the kernel allows it, on the
# interop fixtures' Groth16 and PLONK keys, plus any "KEY WITNESS" pairs in HOT_CODE_PAIRS:
# larger keys take more of the MSM's paths). Rerun after large changes to the proving path and
# commit the result; a stale list costs memory, never correctness.
HOT_CODE_PAIRS ?=
hot-code-layout: fixtures
	@command -v valgrind >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null; }
	$(CARGO) build --release --bin kiln
	link/hot_code.py target/release/kiln $(HOT_CODE_PAIRS)

# Groth16 and PLONK proving time of the derivatives batch circuit at three batch sizes up to
# the demo's (keys are made once per shape into the demo's key folder; the first run is slow).
bench-batch: setup
	$(CARGO) build --release --bin kiln
	benches/batch_sizes.sh $${KILN_KEYS:-$$HOME/.cache/kiln/keys} cpu 3

# kiln serve under load on loopback: a node on SQLite proving the multiplier fixture on the cpu,
# SERVE_JOBS jobs submitted and waited for by SERVE_CLIENTS concurrent clients; throughput and
# latency percentiles (BENCHMARKS.md, "kiln serve under load").
SERVE_JOBS ?= 200
SERVE_CLIENTS ?= 16
# The dev profile is optimised (opt-level 3), and the workspace build makes it anyway.
bench-serve: fixtures
	$(CARGO) build --bin kiln --example serve_load
	$(CURDIR)/target/debug/examples/serve_load $(KILN_DEBUG) $(FIXTURES)/multiplier $(SERVE_JOBS) $(SERVE_CLIENTS)

# The Verilator models of hdl/ (the card, and the unit test wrappers) as shared libraries in
# target/sim, which the fpga-sim backend and the tests load at run time. Rebuilt only when the
# hash of their sources changes (hdl/scripts/build_sim.sh).
sim: setup-apt
	hdl/scripts/build_sim.sh $(CURDIR)/target/sim all

# Generic yosys synthesis of the Montgomery multiplier and the curve adder: the cell counts in
# hdl/README.md. Slow (minutes, GBs of memory), so not part of `make test`.
synth: setup-apt
	hdl/scripts/synth.sh $(CURDIR)/target/synth

# kiln bench on the simulated card: card cycles and the time they take at the design clock,
# next to the cpu reference (BENCHMARKS.md, "FPGA (simulated)").
bench-fpga: sim
	$(CARGO) run --release --quiet -- bench --backend fpga-sim --op msm-g1 --op ntt --log-sizes 8..12 --repeats 2 --json bench-fpga.json
	$(CARGO) run --release --quiet -- bench --backend fpga-sim --op groth16 --log-sizes 8..10 --repeats 1

# The wgpu backend (host/wgpu) on any Vulkan adapter, lavapipe in CI; part of `make test`: the
# WGSL field/curve arithmetic against arkworks, and the backend through the seam (the selftest
# suite at 2^12 with G1 and G2 MSM edge cases, split vectors, Groth16 byte-identity). One test
# process shares one device, because lavapipe compiles each pipeline per device (the G2 MSM
# kernels for minutes; Mesa's shader cache in ~/.cache/mesa_shader_cache makes later runs fast);
# tests/wgpu_run.sh runs the two test binaries side by side with a device timeout long enough
# for that compile. (The generators' unit tests, `cargo test -p kiln-wgpu --lib`, need no
# device and run with the rest of the workspace.)
test-wgpu: setup-apt
	CARGO=$(CARGO) tests/wgpu_run.sh

# CUDA on a GPU machine, which may have no Rust toolchain (ARCHITECTURE.md, "Running on a GPU
# machine"). `make gpu-bundle` here builds target/gpu-bundle: stripped release binaries (kiln,
# the GPU test binaries, the CUDA bench) and the kernels precompiled for GPU_ARCH as a kernel
# cache. There, `make test-gpu` and `make bench-gpu` need only that folder and the NVIDIA driver.
GPU_BUNDLE ?= $(CURDIR)/target/gpu-bundle
GPU_ARCH ?= sm_90
GPU_LOG_SIZES ?= 10 12 14 16 18 20 22
gpu-bundle: setup-pip
	GPU_ARCH=$(GPU_ARCH) CARGO=$(CARGO) benches/gpu/bundle.sh $(GPU_BUNDLE)

# Every CUDA check on the GPU: kiln selftest --backend cuda at each of GPU_LOG_SIZES (MSM G1/G2
# with the edge cases, every NTT variant), host/cuda/tests/gpu.rs (NTTs and MSMs at those sizes,
# Groth16 byte-identical to the cpu backend).
test-gpu:
	GPU_LOG_SIZES="$(GPU_LOG_SIZES)" benches/gpu/test.sh $(GPU_BUNDLE)

# The CUDA figures of BENCHMARKS.md (benches/gpu/bench.sh writes target/gpu-bench/BENCHMARKS-cuda.md).
bench-gpu:
	benches/gpu/bench.sh $(GPU_BUNDLE) $(CURDIR)/target/gpu-bench

# A short GPU lease: the selftest and GPU tests, the issue's headline figures (MSM G1 2^20 and
# 2^24, NTT to 2^24), then larger sizes, each step skipped when GPU_BUDGET_S has too little left;
# logs, JSON, summary.txt and BENCHMARKS-cuda.md in GPU_SESSION_OUT (benches/gpu/session.sh).
GPU_BUDGET_S ?= 480
GPU_SESSION_OUT ?= $(CURDIR)/target/gpu-session
gpu-session:
	benches/gpu/session.sh $(GPU_BUNDLE) $(GPU_SESSION_OUT) $(GPU_BUDGET_S)
