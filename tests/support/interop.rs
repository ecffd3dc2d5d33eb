//! What the snarkjs/circom interop tests share: finding the fixtures and the npm tools, scratch
//! folders, JSON files, and running `kiln` and `snarkjs`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Every circuit `tests/interop/fixtures.sh` builds.
pub const CIRCUITS: [&str; 5] = [
    "multiplier",
    "poseidon",
    "range",
    "many_public",
    "mimc_chain",
];

/// The circuits fixtures.sh also makes PLONK files for (mimc_chain is too large for its
/// power-12 ptau).
pub const PLONK_CIRCUITS: [&str; 4] = ["multiplier", "poseidon", "range", "many_public"];

/// Where the fixtures (`tests/interop/fixtures.sh`) and the npm tools (`make setup`) are.
pub struct Env {
    pub fixtures: PathBuf,
    pub node_bin: PathBuf,
}

impl Env {
    /// The fixtures and npm tools, or `None` when `KILN_SKIP_INTEROP=1` says to skip. Missing
    /// fixtures without that are a failure, so a run can never pass by testing nothing.
    pub fn get(what: &str) -> Option<Env> {
        if std::env::var("KILN_SKIP_INTEROP").as_deref() == Ok("1") {
            println!("KILN_SKIP_INTEROP=1: {what} skipped");
            return None;
        }
        let fixtures = std::env::var_os("KILN_FIXTURES").map(PathBuf::from).expect(
            "KILN_FIXTURES is not set: run `make test` (or tests/interop/fixtures.sh DIR and set it), or KILN_SKIP_INTEROP=1",
        );
        let node_bin = Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps/node/node_modules/.bin");
        assert!(
            node_bin.join("snarkjs").exists(),
            "snarkjs is not in .deps/node: run `make setup`"
        );
        Some(Env { fixtures, node_bin })
    }

    /// `snarkjs ARGS...`.
    pub fn snarkjs<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        run(Command::new(self.node_bin.join("snarkjs")).args(args))
    }
}

pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read_text(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string(v).unwrap()).unwrap();
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

/// The `kiln` binary under test, with its cache of checked keys in this process's scratch
/// folder rather than the user's.
pub fn kiln<S: AsRef<OsStr>>(args: &[S]) -> Output {
    let cache = super::scratch::process_scratch("checked-keys");
    run(Command::new(env!("CARGO_BIN_EXE_kiln"))
        .env("KILN_CACHE_DIR", cache)
        .args(args))
}

/// stdout and stderr of a finished command, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The command-line arguments of `Shape::TEST`, the shape the end-to-end batch tests prove.
pub fn test_shape_args() -> Vec<String> {
    let s = kiln_circuits::model::Shape::TEST;
    [
        ("--accounts", s.accounts),
        ("--slots", s.slots),
        ("--trades", s.trades),
        ("--series", s.series),
    ]
    .iter()
    .flat_map(|(flag, v)| [flag.to_string(), v.to_string()])
    .collect()
}

/// The key folder the end-to-end batch tests share (keys are remade only when the circuit
/// changes).
pub fn batch_key_root() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("kiln-batch-keys")
}

/// `kiln batch example --seed SEED` for the test shape, into `dir/batch.json`.
pub fn batch_example(dir: &Path, seed: &str) -> PathBuf {
    let input = dir.join("batch.json");
    let mut args: Vec<String> = vec![
        "batch".into(),
        "example".into(),
        "--seed".into(),
        seed.into(),
        "--out".into(),
    ];
    args.push(input.display().to_string());
    args.extend(test_shape_args());
    let o = kiln(&args);
    assert!(o.status.success(), "{}", text(&o));
    input
}

/// `kiln batch prove` of `input` into `out` for the test shape, with the shared keys.
pub fn batch_prove(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec!["batch".into(), "prove".into(), "--input".into()];
    args.push(input.display().to_string());
    args.extend([
        "--keys".into(),
        batch_key_root().display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ]);
    args.extend(test_shape_args());
    args.extend(extra.iter().map(|s| s.to_string()));
    kiln(&args)
}
