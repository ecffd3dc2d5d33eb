//! Writing the iden3 container (the inverse of [`super::Container`]): a 4-byte magic, a u32 LE
//! version, a u32 LE section count, then sections of `u32 id, u64 size, body`.
//!
//! Sections are written in the order the caller gives, because snarkjs's files have a fixed
//! section order and kiln's setups must be byte-identical to them. A section's size is declared
//! before its body is streamed, so a multi-gigabyte powers of tau or key never has to be held in
//! memory; the writer checks that exactly the declared bytes, and exactly the declared number of
//! sections, were written.
//!
//! [`write_file_atomically`] puts a file in place only once it is complete, so a failed or
//! interrupted setup never leaves a truncated key where a good one was.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Streams a container to `W`.
pub struct ContainerWriter<W: Write> {
    out: W,
    declared: u32,
    written: u32,
    /// A section was begun and not ended.
    open: bool,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl<W: Write> ContainerWriter<W> {
    /// Writes the file header: `magic`, `version` and the number of sections that will follow.
    pub fn new(mut out: W, magic: &[u8; 4], version: u32, sections: u32) -> io::Result<Self> {
        out.write_all(magic)?;
        out.write_all(&version.to_le_bytes())?;
        out.write_all(&sections.to_le_bytes())?;
        Ok(ContainerWriter {
            out,
            declared: sections,
            written: 0,
            open: false,
        })
    }

    /// Writes a whole section.
    pub fn section(&mut self, id: u32, body: &[u8]) -> io::Result<()> {
        let mut s = self.begin(id, body.len() as u64)?;
        s.write_all(body)?;
        s.end()
    }

    /// Starts a section of exactly `size` bytes, to be streamed through the returned writer and
    /// closed with [`SectionWriter::end`].
    pub fn begin(&mut self, id: u32, size: u64) -> io::Result<SectionWriter<'_, W>> {
        if self.open {
            return Err(invalid(
                "a section was begun before the previous one ended".into(),
            ));
        }
        if self.written == self.declared {
            return Err(invalid(format!(
                "section {id} is one more than the {} declared",
                self.declared
            )));
        }
        self.out.write_all(&id.to_le_bytes())?;
        self.out.write_all(&size.to_le_bytes())?;
        self.open = true;
        self.written += 1;
        Ok(SectionWriter {
            parent: self,
            id,
            remaining: size,
        })
    }

    /// Checks every declared section was written, and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        if self.open || self.written != self.declared {
            return Err(invalid(format!(
                "{} of {} declared sections were written completely",
                self.written - u32::from(self.open),
                self.declared
            )));
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The body of one section; refuses to write more than the declared size.
pub struct SectionWriter<'a, W: Write> {
    parent: &'a mut ContainerWriter<W>,
    id: u32,
    remaining: u64,
}

impl<W: Write> SectionWriter<'_, W> {
    /// Closes the section; an error if fewer bytes than declared were written.
    pub fn end(self) -> io::Result<()> {
        if self.remaining != 0 {
            return Err(invalid(format!(
                "section {} ended {} bytes short of its declared size",
                self.id, self.remaining
            )));
        }
        self.parent.open = false;
        Ok(())
    }
}

impl<W: Write> Write for SectionWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.remaining {
            return Err(invalid(format!(
                "section {}: {} more bytes than its declared size",
                self.id,
                buf.len() as u64 - self.remaining
            )));
        }
        let n = self.parent.out.write(buf)?;
        self.remaining -= n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.parent.out.flush()
    }
}

/// Where [`write_file_atomically`] writes before renaming: the same folder (so the rename stays
/// on one file system), named after the target and this process.
pub fn temporary_path(path: &Path) -> PathBuf {
    path.with_extension(format!("tmp.{}", std::process::id()))
}

/// A failure to create, write or rename an output file, naming it.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct FileWriteError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// Writes `path` through a temporary file in the same folder: `body` writes the contents, and
/// only if it succeeds is the file flushed, synced and renamed into place. On any error the
/// temporary file is removed and `path` is left as it was.
pub fn write_file_atomically<T, E>(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<FileWriteError>,
{
    let tmp = temporary_path(path);
    let fail = |action, source| FileWriteError {
        action,
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(&tmp).map_err(|e| fail("creating a temporary file for", e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let result = body(&mut out).and_then(|value| {
        let file = out
            .into_inner()
            .map_err(|e| fail("writing", e.into_error()))?;
        file.sync_all().map_err(|e| fail("writing", e))?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|e| fail("renaming the temporary file to", e))?;
        Ok(value)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iden3::Container;

    #[test]
    fn a_written_container_reads_back() {
        let mut w = ContainerWriter::new(Vec::new(), b"test", 1, 3).unwrap();
        w.section(7, b"seven").unwrap();
        {
            let mut s = w.begin(2, 6).unwrap();
            s.write_all(b"ab").unwrap();
            s.write_all(b"cdef").unwrap();
            s.end().unwrap();
        }
        w.section(9, b"").unwrap();
        let bytes = w.finish().unwrap();

        let c = Container::parse(&bytes, b"test", "test", 1).unwrap();
        let mut r = c.section(7, "seven").unwrap();
        assert_eq!(r.take(5).unwrap(), b"seven");
        r.finish().unwrap();
        let mut r = c.section(2, "two").unwrap();
        assert_eq!(r.take(6).unwrap(), b"abcdef");
        assert_eq!(c.section(9, "nine").unwrap().remaining(), 0);
        assert!(!c.has_section(1));
        // The order of the sections in the file is the order written.
        assert_eq!(&bytes[12..16], &7u32.to_le_bytes());
    }

    #[test]
    fn sizes_and_counts_are_enforced() {
        let mut w = ContainerWriter::new(Vec::new(), b"test", 1, 1).unwrap();
        {
            let mut s = w.begin(1, 3).unwrap();
            assert!(s.write_all(b"four").is_err());
            s.write_all(b"ab").unwrap();
            assert!(s.end().is_err(), "one byte short");
        }
        assert!(w.finish().is_err(), "the section was never completed");

        let mut w = ContainerWriter::new(Vec::new(), b"test", 1, 1).unwrap();
        w.section(1, b"x").unwrap();
        assert!(w.section(2, b"y").is_err(), "more sections than declared");

        let w = ContainerWriter::new(Vec::new(), b"test", 1, 2).unwrap();
        assert!(w.finish().is_err(), "fewer sections than declared");
    }

    #[test]
    fn atomic_writes_leave_nothing_behind_on_failure() {
        let dir = std::env::temp_dir().join(format!("kiln-writer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.bin");
        std::fs::write(&path, b"old").unwrap();

        let failed: Result<(), FileWriteError> = write_file_atomically(&path, |w| {
            w.write_all(b"partial").unwrap();
            Err(FileWriteError {
                action: "testing",
                path: path.clone(),
                source: io::Error::other("boom"),
            })
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert!(!temporary_path(&path).exists());

        write_file_atomically::<_, FileWriteError>(&path, |w| {
            w.write_all(b"new").map_err(|e| FileWriteError {
                action: "writing",
                path: path.clone(),
                source: e,
            })
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
