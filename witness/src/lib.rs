//! circom witness calculators run in-process: the `.wasm` that `circom --wasm` writes, given the
//! circuit's inputs as JSON (snarkjs's `input.json`), computes the full witness, as circom's
//! `witness_calculator.js` does under node (`snarkjs wtns calculate`).
//!
//! The wasm runs in [wasmi] (an interpreter: it builds quickly and starts each run without a
//! compile step), bounded in memory by a store limiter and in time by fuel (about one unit per
//! wasm instruction), so a hostile or runaway calculator fails with [`WitnessError::Limit`] rather
//! than taking the process down. Both `kiln prove --wasm` and the prover service (`kiln serve`)
//! compute witnesses here.
//!
//! The calculator's protocol (circom 2): `init`, then for every input signal its 64-bit FNV-1a
//! name hash to `getInputSignalSize` and each value through the shared read/write memory to
//! `setInputSignal`; then `getWitness(i)` for every signal, read back through the same memory.

mod inputs;

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;
use thiserror::Error;
use wasmi::{
    Caller, Config, Engine, Extern, Linker, Module, Store, StoreLimits, StoreLimitsBuilder,
    TypedFunc,
};

pub use inputs::{flatten_inputs, InputSignal};

/// Why no witness was computed.
#[derive(Debug, Error)]
pub enum WitnessError {
    /// The bytes are not a wasm module, or not a circom witness calculator.
    #[error("not a circom witness calculator: {0}")]
    NotACalculator(String),
    /// The calculator was compiled for another field than BN254's scalar field.
    #[error("the witness calculator is for the prime {0}, not BN254's scalar field (compile with circom's default prime, bn128)")]
    WrongPrime(String),
    /// The input JSON does not fit the circuit (unknown signal, wrong count, bad number).
    #[error("input: {0}")]
    Input(String),
    /// The circuit itself rejected the inputs (a failed `assert`, a signal set twice, ...).
    #[error("the circuit rejected the inputs: {0}")]
    Rejected(String),
    /// The memory or time bound was reached.
    #[error("the witness calculator exceeded its {0}")]
    Limit(String),
}

/// Bounds on one witness computation.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest linear memory the calculator may grow to, in bytes.
    pub memory_bytes: usize,
    /// Fuel: roughly the number of wasm instructions it may execute.
    pub fuel: u64,
}

impl Default for Limits {
    /// 4 GiB of memory (wasm32's whole address space) and 2^40 instructions (minutes of
    /// interpretation; a 500k-constraint Poseidon chain needs about 2^33).
    fn default() -> Self {
        Limits {
            memory_bytes: 4 << 30,
            fuel: 1 << 40,
        }
    }
}

/// What the host functions keep between calls: the limiter and the calculator's messages.
struct HostState {
    limits: StoreLimits,
    memory_bytes: usize,
    error_text: String,
}

/// A compiled witness calculator; [`calculate`](Self::calculate) runs it on one input, in a
/// fresh instance each time (circom's calculators are not meant to be re-initialised safely).
pub struct WitnessCalculator {
    engine: Engine,
    module: Module,
    limits: Limits,
}

/// The longest error text kept from a calculator (its messages are meant for people).
const MAX_ERROR_TEXT: usize = 4096;

impl WitnessCalculator {
    /// Compiles (validates) the calculator; each later [`calculate`](Self::calculate) only
    /// instantiates it.
    pub fn new(wasm: &[u8], limits: Limits) -> Result<Self, WitnessError> {
        let mut config = Config::default();
        config.consume_fuel(true);
        let engine = Engine::new(&config);
        let module =
            Module::new(&engine, wasm).map_err(|e| WitnessError::NotACalculator(e.to_string()))?;
        for name in REQUIRED_EXPORTS {
            if module.get_export(name).is_none() {
                return Err(WitnessError::NotACalculator(format!(
                    "it exports no function `{name}`"
                )));
            }
        }
        Ok(WitnessCalculator {
            engine,
            module,
            limits,
        })
    }

    /// The witness for `input` (snarkjs's input.json: signal names to numbers, decimal or 0x-hex
    /// strings, or nested arrays and objects of them).
    pub fn calculate(&self, input: &serde_json::Value) -> Result<Vec<Fr>, WitnessError> {
        let signals = flatten_inputs(input)?;
        let mut run = Run::start(self)?;
        run.check_prime()?;
        let exports = run.exports.clone();
        run.call(&exports.init, 0)?;
        let mut set = 0u64;
        for signal in &signals {
            let hash = fnv1a64(&signal.name);
            let (msb, lsb) = ((hash >> 32) as i32, hash as u32 as i32);
            let size = run.call(&exports.get_input_signal_size, (msb, lsb))?;
            // circom's calculators answer 0, not -1, for most names they do not know (its own
            // JS then says "too many values"); no input signal has size 0.
            if size <= 0 {
                return Err(WitnessError::Input(format!(
                    "the circuit has no input signal `{}`",
                    signal.name
                )));
            }
            if signal.values.len() != size as usize {
                return Err(WitnessError::Input(format!(
                    "input signal `{}` takes {size} value(s), {} given",
                    signal.name,
                    signal.values.len()
                )));
            }
            for (i, value) in signal.values.iter().enumerate() {
                run.write_field(&(value % &run.prime))?;
                run.call(&exports.set_input_signal, (msb, lsb, i as i32))?;
                set += 1;
            }
        }
        let expected = run.call(&exports.get_input_size, ())? as u64;
        if set < expected {
            return Err(WitnessError::Input(format!(
                "only {set} of the circuit's {expected} input values are given"
            )));
        }
        let size = run.call(&exports.get_witness_size, ())?;
        let size = usize::try_from(size)
            .map_err(|_| WitnessError::NotACalculator(format!("witness size {size}")))?;
        (0..size)
            .map(|i| {
                run.call(&exports.get_witness, i as i32)?;
                let v = run.read_field()?;
                Fr::from_bigint(ark_ff::BigInt::try_from(v.clone()).map_err(|_| {
                    WitnessError::NotACalculator(format!("witness value {v} is too large"))
                })?)
                .ok_or_else(|| {
                    WitnessError::NotACalculator(format!(
                        "witness value {v} is not below the prime"
                    ))
                })
            })
            .collect()
    }
}

const REQUIRED_EXPORTS: [&str; 10] = [
    "getFieldNumLen32",
    "getRawPrime",
    "readSharedRWMemory",
    "writeSharedRWMemory",
    "init",
    "getInputSignalSize",
    "setInputSignal",
    "getInputSize",
    "getWitnessSize",
    "getWitness",
];

#[derive(Clone)]
struct Exports {
    read_shared: TypedFunc<i32, i32>,
    write_shared: TypedFunc<(i32, i32), ()>,
    init: TypedFunc<i32, ()>,
    get_input_signal_size: TypedFunc<(i32, i32), i32>,
    set_input_signal: TypedFunc<(i32, i32, i32), ()>,
    get_input_size: TypedFunc<(), i32>,
    get_witness_size: TypedFunc<(), i32>,
    get_witness: TypedFunc<i32, ()>,
    get_raw_prime: TypedFunc<(), ()>,
}

/// One instance of the calculator with its store.
struct Run {
    store: Store<HostState>,
    exports: Exports,
    /// Field elements are this many 32-bit words in the shared memory.
    n32: usize,
    prime: BigUint,
}

impl Run {
    fn start(calc: &WitnessCalculator) -> Result<Self, WitnessError> {
        let state = HostState {
            limits: StoreLimitsBuilder::new()
                .memory_size(calc.limits.memory_bytes)
                .build(),
            memory_bytes: calc.limits.memory_bytes,
            error_text: String::new(),
        };
        let mut store = Store::new(&calc.engine, state);
        store.limiter(|s| &mut s.limits);
        store
            .set_fuel(calc.limits.fuel)
            .expect("fuel metering is enabled");
        let mut linker = Linker::<HostState>::new(&calc.engine);
        define_runtime(&mut linker).map_err(|e| WitnessError::NotACalculator(e.to_string()))?;
        let instance = linker
            .instantiate_and_start(&mut store, &calc.module)
            .map_err(|e| WitnessError::NotACalculator(e.to_string()))?;
        let get = |name: &str| -> Result<_, WitnessError> {
            instance
                .get_export(&store, name)
                .and_then(Extern::into_func)
                .ok_or_else(|| {
                    WitnessError::NotACalculator(format!("it exports no function `{name}`"))
                })
        };
        macro_rules! typed {
            ($name:literal) => {
                get($name)?
                    .typed(&store)
                    .map_err(|e| WitnessError::NotACalculator(format!("`{}`: {e}", $name)))?
            };
        }
        let exports = Exports {
            read_shared: typed!("readSharedRWMemory"),
            write_shared: typed!("writeSharedRWMemory"),
            init: typed!("init"),
            get_input_signal_size: typed!("getInputSignalSize"),
            set_input_signal: typed!("setInputSignal"),
            get_input_size: typed!("getInputSize"),
            get_witness_size: typed!("getWitnessSize"),
            get_witness: typed!("getWitness"),
            get_raw_prime: typed!("getRawPrime"),
        };
        let field_len: TypedFunc<(), i32> = typed!("getFieldNumLen32");
        let mut run = Run {
            store,
            exports,
            n32: 0,
            prime: BigUint::default(),
        };
        let n32 = run.call(&field_len, ())?;
        run.n32 = match n32 {
            1..=64 => n32 as usize,
            _ => {
                return Err(WitnessError::NotACalculator(format!(
                    "field elements of {n32} words"
                )))
            }
        };
        let raw_prime = run.exports.get_raw_prime;
        run.call(&raw_prime, ())?;
        run.prime = run.read_field()?;
        Ok(run)
    }

    fn check_prime(&self) -> Result<(), WitnessError> {
        if self.prime != bn254_prime() {
            return Err(WitnessError::WrongPrime(self.prime.to_string()));
        }
        Ok(())
    }

    /// Calls an export, turning a trap into the error the calculator reported.
    fn call<P: wasmi::WasmParams, R: wasmi::WasmResults>(
        &mut self,
        f: &TypedFunc<P, R>,
        params: P,
    ) -> Result<R, WitnessError> {
        f.call(&mut self.store, params).map_err(|e| {
            if e.as_trap_code() == Some(wasmi::core::TrapCode::OutOfFuel) {
                return WitnessError::Limit("time bound (fuel)".into());
            }
            let text = std::mem::take(&mut self.store.data_mut().error_text);
            // circom's runtime reports a failed memory.grow as its error 5.
            if text.starts_with("not enough memory") {
                let bound = self.store.data().memory_bytes;
                return WitnessError::Limit(format!("memory bound ({bound} bytes)"));
            }
            if text.is_empty() {
                WitnessError::Rejected(e.to_string())
            } else {
                WitnessError::Rejected(text.trim_end().to_string())
            }
        })
    }

    /// The field element in the shared memory (word 0 is the least significant).
    fn read_field(&mut self) -> Result<BigUint, WitnessError> {
        let f = self.exports.read_shared;
        let words = (0..self.n32)
            .map(|j| self.call(&f, j as i32).map(|w| w as u32))
            .collect::<Result<Vec<u32>, _>>()?;
        Ok(BigUint::from_slice(&words))
    }

    fn write_field(&mut self, value: &BigUint) -> Result<(), WitnessError> {
        let f = self.exports.write_shared;
        let mut words = value.to_u32_digits();
        words.resize(self.n32, 0);
        for (j, w) in words.into_iter().enumerate() {
            self.call(&f, (j as i32, w as i32))?;
        }
        Ok(())
    }
}

/// The `runtime` imports circom's calculators call: errors end the run with their message;
/// log output (`log()` in a circuit) is dropped.
fn define_runtime(linker: &mut Linker<HostState>) -> Result<(), wasmi::Error> {
    linker.func_wrap(
        "runtime",
        "exceptionHandler",
        |mut caller: Caller<'_, HostState>, code: i32| {
            let what = match code {
                1 => "signal not found",
                2 => "too many signals set",
                3 => "signal already set",
                4 => "assert failed",
                5 => "not enough memory",
                6 => "input signal array access exceeds the size",
                7 => "out of bounds array access",
                _ => "unknown error",
            };
            let text = &mut caller.data_mut().error_text;
            *text = if text.is_empty() {
                what.to_string()
            } else {
                format!("{what}: {}", text.trim_end())
            };
            Err::<(), _>(wasmi::Error::new(what))
        },
    )?;
    linker.func_wrap(
        "runtime",
        "printErrorMessage",
        |mut caller: Caller<'_, HostState>| {
            let message = read_message(&mut caller)?;
            let text = &mut caller.data_mut().error_text;
            if text.len() < MAX_ERROR_TEXT {
                text.push_str(&message);
                text.push('\n');
                text.truncate(MAX_ERROR_TEXT);
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        "runtime",
        "writeBufferMessage",
        |mut caller: Caller<'_, HostState>| read_message(&mut caller).map(drop),
    )?;
    linker.func_wrap(
        "runtime",
        "showSharedRWMemory",
        |_: Caller<'_, HostState>| {},
    )?;
    Ok(())
}

/// Reads the calculator's pending message, one `getMessageChar` at a time (bounded).
fn read_message(caller: &mut Caller<'_, HostState>) -> Result<String, wasmi::Error> {
    let Some(f) = caller
        .get_export("getMessageChar")
        .and_then(Extern::into_func)
    else {
        return Ok(String::new());
    };
    let f = f.typed::<(), i32>(&*caller)?;
    let mut message = String::new();
    loop {
        let c = f.call(&mut *caller, ())?;
        if c == 0 {
            return Ok(message);
        }
        if message.len() < MAX_ERROR_TEXT {
            message.push(char::from_u32(c as u32).unwrap_or('?'));
        }
    }
}

/// BN254's scalar field modulus, the prime circom's default (bn128) compiles for.
fn bn254_prime() -> BigUint {
    BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le())
}

/// 64-bit FNV-1a of a signal's qualified name: how circom's calculators find input signals.
fn fnv1a64(name: &str) -> u64 {
    name.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_hash_matches_circoms() {
        // witness_calculator.js's fnvHash("") and fnvHash("a") (the FNV-1a offset basis and its
        // published test vector).
        assert_eq!(fnv1a64(""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64("a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn bytes_that_are_not_wasm_are_refused() {
        let err = WitnessCalculator::new(b"not wasm", Limits::default())
            .err()
            .unwrap();
        assert!(matches!(err, WitnessError::NotACalculator(_)), "{err}");
    }
}
