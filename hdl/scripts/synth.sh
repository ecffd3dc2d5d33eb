#!/usr/bin/env bash
# Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
#
# Generic yosys synthesis of the Fq Montgomery multiplier and the XYZZ curve adder, for the
# resource estimate in hdl/README.md. `synth` maps to yosys's generic gate library (no FPGA
# vendor cells), so the counts are gates and flip-flops, not LUTs and DSPs; the coarse
# statistics before technology mapping count the 32x32 multipliers, which is what DSP slices
# would implement on a Xilinx part.
#
# Usage: synth.sh [OUT]   (default target/synth). Writes OUT/coarse.txt, OUT/gates.txt and the
# yosys log. Takes minutes and a few GB of memory; not part of `make test`.
set -euo pipefail

HDL="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$HDL/../target/synth}"
mkdir -p "$OUT"
RTL="$HDL/rtl"
SOURCES="$RTL/kiln_pkg.sv $RTL/kiln_arch_pkg.sv $RTL/kiln_montmul.sv $RTL/kiln_modadd.sv \
$RTL/kiln_modsub.sv $RTL/kiln_delay.sv $RTL/kiln_ec_add_xyzz.sv"
TOP=kiln_ec_add_xyzz

# The adder keeps its multipliers as one synthesised submodule (no flattening), so the
# statistics list the multiplier alone and the adder with its 17 instances.
yosys -l "$OUT/yosys.log" -p "
  read_verilog -sv -I$RTL $SOURCES
  hierarchy -check -top $TOP
  synth -top $TOP -run begin:fine
  tee -o $OUT/coarse.txt stat
  synth -top $TOP -run fine:
  tee -o $OUT/gates.txt stat
" >/dev/null
echo "synth: wrote $OUT/coarse.txt and $OUT/gates.txt"
grep -A3 "design hierarchy" "$OUT/gates.txt" || true
