//! The unit test library: each `hdl/tb/tb_<name>.sv` wrapper around one RTL unit (multiplier,
//! add/sub, butterfly, curve adder), Verilated and driven a clock cycle at a time, so the unit
//! tests can feed it arkworks-computed vectors. Built by `make sim` into
//! `target/sim/libkiln_units_sim.so`.

use std::ffi::{CStr, CString};
use std::path::PathBuf;
use std::ptr::NonNull;
use std::sync::{Arc, OnceLock};

use super::unit_bindings::{kiln_unit, UnitSimLib};
use super::{load_once, LibraryCache, UNITS_LIBRARY};
use crate::error::{Result, TransportError};

fn library() -> Result<(PathBuf, Arc<UnitSimLib>)> {
    static CACHE: LibraryCache<UnitSimLib> = OnceLock::new();
    // SAFETY: our own test library, built by `make sim`.
    load_once(&CACHE, UNITS_LIBRARY, |path| {
        unsafe { UnitSimLib::new(path) }.map_err(|e| e.to_string())
    })
}

/// One Verilated unit wrapper.
pub struct UnitSim {
    lib: Arc<UnitSimLib>,
    unit: NonNull<kiln_unit>,
    in_bytes: usize,
    out_bytes: usize,
    name: String,
}

// SAFETY: a unit has no thread affinity; `&mut self` keeps it to one thread at a time.
unsafe impl Send for UnitSim {}

impl UnitSim {
    /// Makes and resets unit `name` (see [`UnitSim::names`]).
    pub fn open(name: &str) -> Result<Self> {
        let (path, lib) = library()?;
        let c_name = CString::new(name).map_err(|_| TransportError::ModelLoad {
            path: path.clone(),
            reason: format!("unit name {name:?} contains a NUL byte"),
        })?;
        // SAFETY: `c_name` outlives the call.
        let unit = unsafe { lib.kiln_unit_new(c_name.as_ptr()) };
        let unit = NonNull::new(unit).ok_or_else(|| TransportError::ModelLoad {
            path: path.clone(),
            reason: format!("no unit named {name:?}"),
        })?;
        // SAFETY: live unit.
        let (in_bytes, out_bytes) = unsafe {
            (
                lib.kiln_unit_in_bytes(unit.as_ptr()) as usize,
                lib.kiln_unit_out_bytes(unit.as_ptr()) as usize,
            )
        };
        Ok(UnitSim {
            lib,
            unit,
            in_bytes,
            out_bytes,
            name: name.to_string(),
        })
    }

    /// The units the library holds.
    pub fn names() -> Result<Vec<String>> {
        let (_, lib) = library()?;
        // SAFETY: returns a static NUL-terminated string.
        let names = unsafe { CStr::from_ptr(lib.kiln_unit_names()) };
        Ok(names
            .to_string_lossy()
            .split(',')
            .map(str::to_string)
            .collect())
    }

    /// Bytes of one input bundle.
    pub fn in_bytes(&self) -> usize {
        self.in_bytes
    }

    /// Bytes of one output bundle.
    pub fn out_bytes(&self) -> usize {
        self.out_bytes
    }

    /// The unit's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One clock cycle, presenting `input` as valid (or nothing); returns the output bundle if
    /// the unit's output is valid after the edge. Panics on an input of the wrong length (a
    /// test bug), and on a failed RTL assertion (see [`UnitSim::try_cycle`]).
    pub fn cycle(&mut self, input: Option<&[u8]>) -> Option<Vec<u8>> {
        self.try_cycle(input)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    /// [`UnitSim::cycle`], with a failed RTL assertion as an error
    /// ([`TransportError::Assertion`]): the unit stopped there and runs no further cycle.
    pub fn try_cycle(&mut self, input: Option<&[u8]>) -> Result<Option<Vec<u8>>> {
        if let Some(i) = input {
            assert_eq!(i.len(), self.in_bytes, "{}: input bundle length", self.name);
        }
        let mut out = vec![0u8; self.out_bytes];
        let in_ptr = input.map_or(std::ptr::null(), |i| i.as_ptr());
        // SAFETY: live unit; `in_ptr` is null or `in_bytes` long, `out` is `out_bytes` long.
        let valid = unsafe {
            self.lib
                .kiln_unit_cycle(self.unit.as_ptr(), in_ptr, out.as_mut_ptr())
        };
        if valid < 0 {
            // SAFETY: live unit; non-null means a NUL-terminated string owned by the unit.
            let at = unsafe { self.lib.kiln_unit_assertion(self.unit.as_ptr()) };
            let at = if at.is_null() {
                "an unknown place".to_string()
            } else {
                // SAFETY: as above, copied here.
                unsafe { CStr::from_ptr(at) }.to_string_lossy().into_owned()
            };
            return Err(TransportError::Assertion { at });
        }
        Ok((valid != 0).then_some(out))
    }
}

impl Drop for UnitSim {
    fn drop(&mut self) {
        // SAFETY: made by this library, freed once.
        unsafe { self.lib.kiln_unit_free(self.unit.as_ptr()) }
    }
}
