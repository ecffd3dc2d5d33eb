//! Scratch folders for integration tests. Each is removed when the test is done with it, so that
//! a test run leaves nothing behind under the temporary folder (a run once left about 2 GB there:
//! the settlement tests' folders hold a Solidity toolchain's output), and kept when the test is
//! failing, so that its files can be read.

use std::path::{Path, PathBuf};

/// A fresh folder `kiln-test-PID-NAME` under the system's temporary folder (which PostgreSQL's
/// user can reach, as it must for a server's folder). Unique to this process and `name`.
pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("kiln-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// A folder of [`scratch`]: removed when dropped, unless the thread is panicking.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept {} for the failing test", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A folder that lives as long as this test process: removed when the process exits (by an
/// `atexit` handler, which runs however the harness ends, a failing test included). For state
/// that tests of one process share, such as `kiln`'s cache of checked keys.
pub fn process_scratch(name: &str) -> PathBuf {
    use std::sync::Mutex;
    static DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    static REGISTER: std::sync::Once = std::sync::Once::new();

    extern "C" fn remove_all() {
        if let Ok(dirs) = DIRS.lock() {
            for d in dirs.iter() {
                let _ = std::fs::remove_dir_all(d);
            }
        }
    }

    let dir = std::env::temp_dir().join(format!("kiln-test-{}-{name}", std::process::id()));
    let mut dirs = DIRS.lock().unwrap();
    if !dirs.contains(&dir) {
        dirs.push(dir.clone());
    }
    // SAFETY: `remove_all` is a plain function that lives for the whole program.
    REGISTER.call_once(|| unsafe {
        libc::atexit(remove_all);
    });
    dir
}
