#!/usr/bin/env bash
# Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
#
# Builds the Verilator models of hdl/ into shared libraries that kiln loads at run time:
#
#   OUT/libkiln_card_sim.so   the card (hdl/rtl, top kiln_card) with the board models
#                             (card memory, configuration flash) of hdl/sim/card_sim.cpp
#   OUT/libkiln_units_sim.so  the unit test wrappers of hdl/tb, for the unit tests
#
# Usage: build_sim.sh [OUT] [card|units|all]     (OUT defaults to target/sim)
#
# A library is rebuilt only when the hash of its inputs (sources, this script, the Verilator and
# compiler versions, the flags) differs from the one recorded next to it, so CI can cache OUT.
# Environment: VERILATOR, CXX, KILN_SIM_JOBS (parallel compiles, default: all cores).
set -euo pipefail

HDL="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$HDL/../target/sim}"
WHAT="${2:-all}"
VERILATOR="${VERILATOR:-verilator}"
CXX="${CXX:-g++}"
JOBS="${KILN_SIM_JOBS:-$(nproc)}"

command -v "$VERILATOR" >/dev/null || { echo "build_sim: $VERILATOR not found (make setup installs it)" >&2; exit 1; }
command -v "$CXX" >/dev/null || { echo "build_sim: $CXX not found" >&2; exit 1; }

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
VROOT="$("$VERILATOR" --getenv VERILATOR_ROOT)"

# Verilator: optimise the model, treat X as 0 (the C++ model has no X), single-threaded model,
# with the RTL's assertions (hdl/rtl/kiln_assert.svh) and unique/priority case checks evaluated:
# a failed one stops the model and fails the test that drove it (sim/kiln_sim_stop.h).
# -fno-reloop: Verilator 5.006 turns the copies it samples wide signals into for the assertions
# into a loop whose counter it then declares in another function (a C++ compile error).
VFLAGS=(--cc -O3 --x-assign fast --x-initial fast --threads 1 --no-timing --assert -fno-reloop
        -Wall -Wno-PINCONNECTEMPTY -Wno-DECLFILENAME -Wno-UNUSEDPARAM)
VINC=(-I"$HDL/rtl")
# The generated C++ is large and flat: -O2 on the hot eval code, -O1 on the rest keeps the
# compile short without slowing the simulation much.
CXX_FAST=(-O2 -fPIC -std=c++17 -w)
CXX_SLOW=(-O1 -fPIC -std=c++17 -w)
CXX_INC=(-I"$VROOT/include" -I"$VROOT/include/vltstd" -I"$HDL/sim")
# The Verilator runtime leaves vl_stop (a failed assertion) to sim/kiln_sim_stop.h.
CXX_RUNTIME=(-DVL_USER_STOP)

# The RTL in compile order: packages first (scripts/rtl_files.sh); the headers it includes.
mapfile -t RTL < <("$HDL/scripts/rtl_files.sh")
RTL_INC=("$HDL"/rtl/*.svh)

hash_inputs() {
  {
    cat "$0" "$@"
    "$VERILATOR" --version
    "$CXX" --version | head -1
    echo "${VFLAGS[*]} ${CXX_FAST[*]} ${CXX_SLOW[*]} ${CXX_RUNTIME[*]}"
  } | sha256sum | cut -d' ' -f1
}

# compile_dir DIR: compiles every generated .cpp in DIR into .o files (in parallel).
compile_dir() {
  local dir="$1"
  ls "$dir"/*.cpp | grep -v '__Slow\|__Syms\|_Slow.cpp' | xargs -P "$JOBS" -I{} sh -c "$CXX ${CXX_FAST[*]} ${CXX_INC[*]} -I'$dir' -c '{}' -o '{}.o'"
  ls "$dir"/*.cpp | grep '__Slow\|__Syms\|_Slow.cpp' | xargs -r -P "$JOBS" -I{} sh -c "$CXX ${CXX_SLOW[*]} ${CXX_INC[*]} -I'$dir' -c '{}' -o '{}.o'"
}

runtime_objs() {
  local dir="$1"
  mkdir -p "$dir"
  for f in verilated.cpp verilated_threads.cpp; do
    [ -e "$dir/$f.o" ] || "$CXX" "${CXX_FAST[@]}" "${CXX_RUNTIME[@]}" "${CXX_INC[@]}" -c "$VROOT/include/$f" -o "$dir/$f.o"
  done
}

build_units() {
  local lib="$OUT/libkiln_units_sim.so" stamp="$OUT/.units.hash" h
  local tbs=("$HDL"/tb/tb_*.sv)
  h="$(hash_inputs "$HDL/scripts/rtl_files.sh" "${RTL[@]}" "${RTL_INC[@]}" "${tbs[@]}" "$HDL/sim/unit_sim.cpp" "$HDL/sim/kiln_unit_sim.h" "$HDL/sim/kiln_sim_stop.h")"
  if [ -e "$lib" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$h" ]; then
    echo "sim: $lib is up to date"
    return
  fi
  echo "sim: building $lib (Verilator, ${#tbs[@]} units)"
  local work="$OUT/build/units"
  rm -rf "$work"
  mkdir -p "$work"
  runtime_objs "$work/runtime"
  local incs=() objs=()
  for tb in "${tbs[@]}"; do
    local top; top="$(basename "$tb" .sv)"
    "$VERILATOR" "${VFLAGS[@]}" "${VINC[@]}" --top-module "$top" --prefix "V$top" -Mdir "$work/$top" \
      "${RTL[@]}" "$tb" >/dev/null
    incs+=(-I"$work/$top")
  done
  for tb in "${tbs[@]}"; do
    local top; top="$(basename "$tb" .sv)"
    compile_dir "$work/$top"
    objs+=("$work/$top"/*.o)
  done
  "$CXX" "${CXX_FAST[@]}" "${CXX_INC[@]}" "${incs[@]}" -c "$HDL/sim/unit_sim.cpp" -o "$work/unit_sim.o"
  "$CXX" -shared -o "$lib.tmp" "$work/unit_sim.o" "${objs[@]}" "$work"/runtime/*.o -lpthread
  mv "$lib.tmp" "$lib"
  echo "$h" > "$stamp"
}

build_card() {
  local lib="$OUT/libkiln_card_sim.so" stamp="$OUT/.card.hash" h
  h="$(hash_inputs "$HDL/scripts/rtl_files.sh" "${RTL[@]}" "${RTL_INC[@]}" "$HDL/sim/card_sim.cpp" "$HDL/sim/kiln_card_sim.h" "$HDL/sim/kiln_sim_stop.h")"
  if [ -e "$lib" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$h" ]; then
    echo "sim: $lib is up to date"
    return
  fi
  echo "sim: building $lib (Verilator, top kiln_card)"
  local work="$OUT/build/card"
  rm -rf "$work"
  mkdir -p "$work"
  runtime_objs "$work/runtime"
  "$VERILATOR" "${VFLAGS[@]}" "${VINC[@]}" --top-module kiln_card --prefix Vkiln_card -Mdir "$work/model" \
    "${RTL[@]}" >/dev/null
  compile_dir "$work/model"
  "$CXX" "${CXX_FAST[@]}" "${CXX_INC[@]}" -I"$work/model" -c "$HDL/sim/card_sim.cpp" -o "$work/card_sim.o"
  "$CXX" -shared -o "$lib.tmp" "$work/card_sim.o" "$work"/model/*.o "$work"/runtime/*.o -lpthread
  mv "$lib.tmp" "$lib"
  echo "$h" > "$stamp"
}

case "$WHAT" in
  units) build_units ;;
  card) build_card ;;
  all) build_card; build_units ;;
  *) echo "build_sim: unknown target '$WHAT' (card, units, all)" >&2; exit 2 ;;
esac
