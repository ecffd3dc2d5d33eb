//! The cache of checked keys: SHA-256 digests of proving keys whose every point kiln has
//! checked, so that later loads of the same bytes can skip the B query's G2 subgroup checks.
//!
//! A key is recognised by its digest alone: one marker file per digest, named after it, in a
//! per-user folder: `$KILN_CACHE_DIR`, else `$XDG_CACHE_HOME/kiln/checked-keys`, else
//! `$HOME/.cache/kiln/checked-keys`. Nothing else about the file (name, size, time) is trusted,
//! so a key changed in one byte is a different key and is checked again. What a marker vouches
//! for is only the subgroup membership of the key's G2 points; every other check (field
//! elements reduced, points on their curves, sizes, coefficient positions) runs on every load.
//!
//! Trust: anyone who can write to the folder can make kiln skip those checks for a key of their
//! choosing, exactly as they could pass `--trusted-key`; the folder is the user's own. The key
//! file must not change while it is loaded (it is memory-mapped, and hashed and decoded from
//! the same map), as for every other kiln input.
//!
//! The marker is written after the checks pass, through a temporary file that is renamed, so a
//! reader never sees a marker for a key that was not fully checked. Failing to write one is not
//! an error: the load succeeds and says why it could not record the key.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::iden3::writer::{write_file_atomically, FileWriteError};
use crate::iden3::FileSource;

/// The SHA-256 of a whole key file.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest(pub [u8; 32]);

impl KeyDigest {
    /// The digest of `bytes` (sha2 uses the SHA-NI instructions where the CPU has them).
    pub fn of(bytes: &[u8]) -> Self {
        KeyDigest(Sha256::digest(bytes).into())
    }

    /// The digest of a file's bytes; a mapped file's pages are handed back as they are hashed,
    /// so hashing a key does not make all of it resident at once.
    pub fn of_file(source: FileSource<'_>) -> Self {
        const CHUNK: usize = 8 << 20;
        let mut hasher = Sha256::new();
        for chunk in source.bytes().chunks(CHUNK) {
            hasher.update(chunk);
            source.release(chunk);
        }
        KeyDigest(hasher.finalize().into())
    }
}

impl fmt::Display for KeyDigest {
    /// Lower-case hex, as `sha256sum` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({self})")
    }
}

/// The marker's name says what it vouches for; a change to what "checked" means gets a new
/// suffix, so markers of an older meaning are simply not found.
const MARKER_SUFFIX: &str = "g2-subgroup-v1";

/// The folder of markers (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedKeys {
    dir: Option<PathBuf>,
}

impl CheckedKeys {
    /// The folder the environment selects; none when neither `$KILN_CACHE_DIR`,
    /// `$XDG_CACHE_HOME` nor `$HOME` is set.
    pub fn from_env() -> Self {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        let dir = var("KILN_CACHE_DIR").map(PathBuf::from).or_else(|| {
            var("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .map(|base| base.join("kiln").join("checked-keys"))
        });
        CheckedKeys { dir }
    }

    /// Markers in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        CheckedKeys {
            dir: Some(dir.into()),
        }
    }

    /// The folder, if there is one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn marker(&self, digest: &KeyDigest) -> Option<PathBuf> {
        Some(self.dir()?.join(format!("{digest}.{MARKER_SUFFIX}")))
    }

    /// Whether a key with this digest has passed every check before.
    pub fn contains(&self, digest: &KeyDigest) -> bool {
        self.marker(digest).is_some_and(|m| m.is_file())
    }

    /// Records that the key with this digest has passed every check.
    pub fn record(&self, digest: &KeyDigest) -> io::Result<()> {
        let marker = self.marker(digest).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no cache folder: set KILN_CACHE_DIR, XDG_CACHE_HOME or HOME",
            )
        })?;
        std::fs::create_dir_all(self.dir().expect("a marker has a folder"))?;
        let text = format!(
            "sha256 {digest}: every G2 point of this key passed kiln {}'s subgroup check\n",
            env!("CARGO_PKG_VERSION")
        );
        write_file_atomically(&marker, |out| {
            out.write_all(text.as_bytes())
                .map_err(|source| FileWriteError {
                    action: "writing",
                    path: marker.clone(),
                    source,
                })
        })
        .map_err(io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_sha256_in_hex() {
        // FIPS 180-2's "abc" example.
        assert_eq!(
            KeyDigest::of(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
