//! Card memory allocation: where resident buffers, tables and scratch space go.
//!
//! First fit over the card's address space with free-block coalescing. Blocks are 4 KiB
//! aligned (whole pages for DMA, and every engine address 32-byte aligned).

use std::collections::BTreeMap;

use crate::error::{Result, TransportError};

/// Alignment and granularity of every block.
pub const ALIGN: u64 = 4096;

/// A block of card memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    /// Card address of the first byte.
    pub addr: u64,
    /// Bytes in the block (a multiple of [`ALIGN`]).
    pub len: u64,
}

/// The free blocks of a card's memory.
#[derive(Debug)]
pub struct CardMemory {
    size: u64,
    free: BTreeMap<u64, u64>,
}

impl CardMemory {
    /// All of `size` bytes free.
    pub fn new(size: u64) -> Self {
        let size = size / ALIGN * ALIGN;
        let mut free = BTreeMap::new();
        if size > 0 {
            free.insert(0, size);
        }
        CardMemory { size, free }
    }

    /// Total bytes managed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Bytes free in all.
    pub fn free_bytes(&self) -> u64 {
        self.free.values().sum()
    }

    fn largest_free(&self) -> u64 {
        self.free.values().copied().max().unwrap_or(0)
    }

    /// A block of at least `len` bytes (one page for `len = 0`).
    pub fn alloc(&mut self, len: u64) -> Result<Region> {
        let want =
            len.max(1)
                .checked_next_multiple_of(ALIGN)
                .ok_or(TransportError::OutOfMemory {
                    needed: len,
                    largest_free: self.largest_free(),
                    size: self.size,
                })?;
        let found = self
            .free
            .iter()
            .find(|(_, &l)| l >= want)
            .map(|(&a, &l)| (a, l));
        let Some((addr, block)) = found else {
            return Err(TransportError::OutOfMemory {
                needed: len,
                largest_free: self.largest_free(),
                size: self.size,
            });
        };
        self.free.remove(&addr);
        if block > want {
            self.free.insert(addr + want, block - want);
        }
        Ok(Region { addr, len: want })
    }

    /// Returns a block; neighbours merge. Freeing a block twice, or one this allocator did not
    /// make, is ignored rather than corrupting the free list.
    pub fn free(&mut self, region: Region) {
        let Region { mut addr, mut len } = region;
        if len == 0 || addr % ALIGN != 0 || len % ALIGN != 0 || addr + len > self.size {
            return;
        }
        // Refuse overlap with an existing free block.
        if let Some((&a, &l)) = self.free.range(..addr + len).next_back() {
            if a + l > addr {
                return;
            }
        }
        if let Some((&a, &l)) = self.free.range(..addr).next_back() {
            if a + l == addr {
                self.free.remove(&a);
                addr = a;
                len += l;
            }
        }
        if let Some(&l) = self.free.get(&(addr + len)) {
            self.free.remove(&(addr + len));
            len += l;
        }
        self.free.insert(addr, len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_are_aligned_disjoint_and_merge_back() {
        let mut m = CardMemory::new(1 << 20);
        let a = m.alloc(100).unwrap();
        let b = m.alloc(5000).unwrap();
        let c = m.alloc(0).unwrap();
        assert_eq!(a, Region { addr: 0, len: 4096 });
        assert_eq!(
            b,
            Region {
                addr: 4096,
                len: 8192
            }
        );
        assert_eq!(c.len, 4096);
        assert!(c.addr >= b.addr + b.len);
        m.free(b);
        m.free(a);
        m.free(c);
        assert_eq!(m.free_bytes(), 1 << 20);
        assert_eq!(
            m.alloc(1 << 20).unwrap(),
            Region {
                addr: 0,
                len: 1 << 20
            }
        );
    }

    #[test]
    fn exhaustion_is_an_error_with_the_sizes() {
        let mut m = CardMemory::new(16 * 4096);
        let _a = m.alloc(10 * 4096).unwrap();
        let err = m.alloc(7 * 4096).unwrap_err();
        assert!(
            matches!(
                err,
                TransportError::OutOfMemory {
                    largest_free: 24576,
                    ..
                }
            ),
            "{err}"
        );
        assert!(m.alloc(u64::MAX).is_err());
    }

    #[test]
    fn double_and_foreign_frees_are_ignored() {
        let mut m = CardMemory::new(8 * 4096);
        let a = m.alloc(4096).unwrap();
        m.free(a);
        m.free(a);
        m.free(Region { addr: 3, len: 4096 });
        m.free(Region {
            addr: 0,
            len: 1 << 30,
        });
        assert_eq!(m.free_bytes(), 8 * 4096);
    }
}
