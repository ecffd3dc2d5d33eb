//! The `xdma` transport: a card behind the Xilinx XDMA driver (dma_ip_drivers, `xdma.ko`).
//!
//! The driver makes character devices per card `N`:
//!
//! * `/dev/xdma<N>_user`: the user BAR (our AXI4-Lite register file). Each read or write does
//!   one 32-bit `ioread32`/`iowrite32` at BAR + file offset and returns 4; offsets that are not
//!   4-byte aligned fail with `EPROTO`. So: one 4-byte `pread`/`pwrite` per register.
//! * `/dev/xdma<N>_h2c_0` and `/dev/xdma<N>_c2h_0`: DMA channels, host to card and card to host,
//!   where the file offset of a `pwrite`/`pread` is the card's AXI address.
//!
//! Transfers loop over short counts (a DMA channel may move less than asked), and a call that
//! moves nothing is an error rather than a retry forever. Register accesses are never retried:
//! a register read can have a side effect (ap_done clears when read).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Result, TransportError};
use crate::transport::{check_aligned, Transport};

/// The largest single DMA system call; longer transfers are split so each call is bounded.
const MAX_DMA_CHUNK: usize = 8 << 20;

/// A file the transport reads and writes at offsets: a character device, or (in tests) a
/// regular file or a deliberately short device.
pub trait DeviceFile: Send {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<usize>;
}

impl DeviceFile for File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        FileExt::read_at(self, buf, offset)
    }
    fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<usize> {
        FileExt::write_at(self, buf, offset)
    }
}

/// The device file paths of card `prefix` (e.g. `/dev/xdma0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XdmaPaths {
    pub user: PathBuf,
    pub h2c: PathBuf,
    pub c2h: PathBuf,
}

impl XdmaPaths {
    /// `<prefix>_user`, `<prefix>_h2c_0`, `<prefix>_c2h_0`.
    pub fn for_prefix(prefix: &Path) -> Self {
        let with = |suffix: &str| {
            let mut s = prefix.as_os_str().to_os_string();
            s.push(suffix);
            PathBuf::from(s)
        };
        XdmaPaths {
            user: with("_user"),
            h2c: with("_h2c_0"),
            c2h: with("_c2h_0"),
        }
    }
}

/// A card reached through the XDMA driver's character devices.
pub struct XdmaTransport {
    prefix: PathBuf,
    paths: XdmaPaths,
    user: Box<dyn DeviceFile>,
    h2c: Box<dyn DeviceFile>,
    c2h: Box<dyn DeviceFile>,
    poll_interval: Duration,
}

impl std::fmt::Debug for XdmaTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XdmaTransport")
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn open_device(path: &Path) -> Result<File> {
    // O_SYNC as the XDMA tools open the devices: each access reaches the card before returning.
    const O_SYNC: i32 = libc::O_SYNC;
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(O_SYNC)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => TransportError::NoDevice {
                path: path.to_path_buf(),
                reason: "the device file does not exist (is the xdma driver loaded and the card \
                         programmed?)"
                    .into(),
            },
            io::ErrorKind::PermissionDenied => TransportError::NoDevice {
                path: path.to_path_buf(),
                reason: "permission denied (run as root or add a udev rule for the xdma devices)"
                    .into(),
            },
            _ => TransportError::Io {
                op: "open",
                path: path.to_path_buf(),
                source: e,
            },
        })
}

impl XdmaTransport {
    /// Opens card `prefix` (`/dev/xdma0`, or a folder of stand-in files in tests).
    pub fn open(prefix: &Path) -> Result<Self> {
        let paths = XdmaPaths::for_prefix(prefix);
        let user = open_device(&paths.user)?;
        let h2c = open_device(&paths.h2c)?;
        let c2h = open_device(&paths.c2h)?;
        Ok(Self::from_files(
            prefix,
            Box::new(user),
            Box::new(h2c),
            Box::new(c2h),
        ))
    }

    /// A transport over already-open device files (for tests that need devices regular files
    /// cannot imitate, such as one that transfers a few bytes per call).
    pub fn from_files(
        prefix: &Path,
        user: Box<dyn DeviceFile>,
        h2c: Box<dyn DeviceFile>,
        c2h: Box<dyn DeviceFile>,
    ) -> Self {
        XdmaTransport {
            prefix: prefix.to_path_buf(),
            paths: XdmaPaths::for_prefix(prefix),
            user,
            h2c,
            c2h,
            poll_interval: Duration::from_micros(50),
        }
    }

    /// The cards the driver has made device files for: `/dev/xdma<N>` prefixes, sorted.
    pub fn discover(dev_dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dev_dir) else {
            return Vec::new();
        };
        let mut found: Vec<(u32, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let index = name.strip_prefix("xdma")?.strip_suffix("_user")?;
                let n: u32 = index.parse().ok()?;
                Some((n, dev_dir.join(format!("xdma{n}"))))
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, p)| p).collect()
    }

    /// The device file paths in use.
    pub fn paths(&self) -> &XdmaPaths {
        &self.paths
    }
}

/// Runs `step` until `total` bytes have moved; `step(done)` moves some bytes from `done` on.
fn transfer_all(
    op: &'static str,
    path: &Path,
    start: u64,
    total: usize,
    mut step: impl FnMut(usize) -> io::Result<usize>,
) -> Result<()> {
    let mut done = 0;
    while done < total {
        match step(done) {
            Ok(0) => {
                return Err(TransportError::Short {
                    op,
                    path: path.to_path_buf(),
                    offset: start,
                    done,
                    wanted: total,
                })
            }
            Ok(k) => done += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(TransportError::Io {
                    op,
                    path: path.to_path_buf(),
                    source: e,
                })
            }
        }
    }
    Ok(())
}

fn end_of(addr: u64, len: usize) -> Result<u64> {
    addr.checked_add(len as u64)
        .ok_or(TransportError::OutOfRange {
            addr,
            len: len as u64,
            size: u64::MAX,
        })
}

impl Transport for XdmaTransport {
    fn read32(&mut self, offset: u32) -> Result<u32> {
        check_aligned(offset)?;
        let mut word = [0u8; 4];
        let got = self
            .user
            .read_at(&mut word, u64::from(offset))
            .map_err(|e| TransportError::Io {
                op: "register read",
                path: self.paths.user.clone(),
                source: e,
            })?;
        if got != 4 {
            return Err(TransportError::Short {
                op: "register read",
                path: self.paths.user.clone(),
                offset: u64::from(offset),
                done: got,
                wanted: 4,
            });
        }
        Ok(u32::from_le_bytes(word))
    }

    fn write32(&mut self, offset: u32, value: u32) -> Result<()> {
        check_aligned(offset)?;
        let put = self
            .user
            .write_at(&value.to_le_bytes(), u64::from(offset))
            .map_err(|e| TransportError::Io {
                op: "register write",
                path: self.paths.user.clone(),
                source: e,
            })?;
        if put != 4 {
            return Err(TransportError::Short {
                op: "register write",
                path: self.paths.user.clone(),
                offset: u64::from(offset),
                done: put,
                wanted: 4,
            });
        }
        Ok(())
    }

    fn write_mem(&mut self, addr: u64, data: &[u8]) -> Result<()> {
        end_of(addr, data.len())?;
        let h2c = &self.h2c;
        transfer_all("DMA write", &self.paths.h2c, addr, data.len(), |done| {
            let end = data.len().min(done + MAX_DMA_CHUNK);
            h2c.write_at(&data[done..end], addr + done as u64)
        })
    }

    fn read_mem(&mut self, addr: u64, out: &mut [u8]) -> Result<()> {
        end_of(addr, out.len())?;
        let c2h = &self.c2h;
        let total = out.len();
        transfer_all("DMA read", &self.paths.c2h, addr, total, |done| {
            let end = total.min(done + MAX_DMA_CHUNK);
            c2h.read_at(&mut out[done..end], addr + done as u64)
        })
    }

    fn pause(&mut self) {
        std::thread::sleep(self.poll_interval);
    }

    fn describe(&self) -> String {
        format!("XDMA card {}", self.prefix.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A device that moves at most `per_call` bytes per call (0: nothing at all), over memory.
    struct Trickle {
        data: Arc<Mutex<Vec<u8>>>,
        per_call: usize,
    }

    impl DeviceFile for Trickle {
        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            let data = self.data.lock().unwrap();
            let start = (offset as usize).min(data.len());
            let n = buf.len().min(self.per_call).min(data.len() - start);
            buf[..n].copy_from_slice(&data[start..start + n]);
            Ok(n)
        }
        fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<usize> {
            let mut data = self.data.lock().unwrap();
            let start = offset as usize;
            let n = buf.len().min(self.per_call);
            if data.len() < start + n {
                data.resize(start + n, 0);
            }
            data[start..start + n].copy_from_slice(&buf[..n]);
            Ok(n)
        }
    }

    fn trickle(per_call: usize, memory: &Arc<Mutex<Vec<u8>>>) -> XdmaTransport {
        let dev = |m: &Arc<Mutex<Vec<u8>>>| -> Box<dyn DeviceFile> {
            Box::new(Trickle {
                data: m.clone(),
                per_call,
            })
        };
        let regs = Arc::new(Mutex::new(vec![0u8; 64]));
        XdmaTransport::from_files(
            Path::new("/dev/xdma-test"),
            dev(&regs),
            dev(memory),
            dev(memory),
        )
    }

    #[test]
    fn short_dma_transfers_are_continued_until_complete() {
        let memory = Arc::new(Mutex::new(vec![0u8; 4096]));
        let mut t = trickle(7, &memory);
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 31 % 251) as u8).collect();
        t.write_mem(100, &data).unwrap();
        assert_eq!(&memory.lock().unwrap()[100..1100], &data[..]);
        let mut back = vec![0u8; 1000];
        t.read_mem(100, &mut back).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn a_channel_that_stops_moving_is_an_error_not_a_hang() {
        let memory = Arc::new(Mutex::new(vec![0u8; 16]));
        let mut t = trickle(0, &memory);
        let err = t.write_mem(0, &[1, 2, 3]).unwrap_err();
        assert!(
            matches!(
                err,
                TransportError::Short {
                    done: 0,
                    wanted: 3,
                    ..
                }
            ),
            "{err}"
        );
        let mut buf = [0u8; 8];
        let err = t.read_mem(0, &mut buf).unwrap_err();
        assert!(matches!(err, TransportError::Short { .. }), "{err}");
    }

    #[test]
    fn a_register_access_shorter_than_four_bytes_is_an_error() {
        let memory = Arc::new(Mutex::new(vec![0u8; 16]));
        let mut t = trickle(2, &memory);
        let err = t.read32(0).unwrap_err();
        assert!(
            matches!(
                err,
                TransportError::Short {
                    done: 2,
                    wanted: 4,
                    ..
                }
            ),
            "{err}"
        );
        let err = t.write32(4, 1).unwrap_err();
        assert!(matches!(err, TransportError::Short { .. }), "{err}");
    }

    #[test]
    fn device_paths_follow_the_driver_names() {
        let p = XdmaPaths::for_prefix(Path::new("/dev/xdma3"));
        assert_eq!(p.user, Path::new("/dev/xdma3_user"));
        assert_eq!(p.h2c, Path::new("/dev/xdma3_h2c_0"));
        assert_eq!(p.c2h, Path::new("/dev/xdma3_c2h_0"));
    }

    #[test]
    fn dma_address_overflow_is_refused() {
        let memory = Arc::new(Mutex::new(vec![0u8; 16]));
        let mut t = trickle(8, &memory);
        assert!(matches!(
            t.write_mem(u64::MAX - 1, &[0; 4]),
            Err(TransportError::OutOfRange { .. })
        ));
    }
}
