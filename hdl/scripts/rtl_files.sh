#!/usr/bin/env bash
# Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
#
# Prints the RTL sources of hdl/rtl in compile order: the packages first, then every module.
# build_sim.sh uses it; so can a manual lint (the modules include hdl/rtl/kiln_assert.svh):
#   verilator --lint-only -Wall -Wno-PINCONNECTEMPTY -Wno-DECLFILENAME -Wno-UNUSEDPARAM -Ihdl/rtl \
#     --top-module kiln_card $(hdl/scripts/rtl_files.sh)
HDL="$(cd "$(dirname "$0")/.." && pwd)"
echo "$HDL/rtl/kiln_pkg.sv"
echo "$HDL/rtl/kiln_arch_pkg.sv"
ls "$HDL"/rtl/*.sv | grep -v -e '/kiln_pkg.sv$' -e '/kiln_arch_pkg.sv$' | sort
