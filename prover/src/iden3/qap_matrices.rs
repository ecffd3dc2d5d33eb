//! Section 4 of a Groth16 `.zkey`: the nonzero entries of the QAP's A and B matrices, which the
//! prover multiplies by the witness (`A w`, `B w`) before its NTTs.
//!
//! snarkjs stores each entry as `(u32 matrix, u32 row, u32 signal, 32-byte value)`, 44 bytes.
//! Decoded naively that is 48 bytes an entry, a third of a large key's memory (2.0 M entries,
//! 96 MB, for a 518,400-constraint Poseidon chain). Circuits reuse few distinct values (that
//! chain has 13,222: round constants, MDS entries, 1 and -1), so an entry here is three `u32`s,
//! its value an index into a table of the distinct values: 12 bytes an entry plus 32 a distinct
//! value, never more than the naive 48 even when every value differs. Entries are split by
//! matrix, so the two products run concurrently and no entry carries its matrix.

use std::collections::HashMap;

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use kiln_host::layout::{self, Form};

use super::zkey_sections::exact_size;
use super::{FormatError, Reader, Result};

/// Which QAP matrix a coefficient belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matrix {
    A,
    B,
}

/// One nonzero entry of the A or B matrix, as snarkjs stores it for the prover (with its value
/// converted to a field element).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coefficient {
    pub matrix: Matrix,
    /// The row: a constraint, or `nConstraints + s` for the row binding public signal `s`.
    pub constraint: u32,
    pub signal: u32,
    pub value: Fr,
}

/// An entry whose value is `values[value]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    row: u32,
    signal: u32,
    value: u32,
}

/// The A and B matrices of a Groth16 key, sparse, each distinct value stored once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QapMatrices {
    a: Vec<Entry>,
    b: Vec<Entry>,
    values: Vec<Fr>,
}

impl QapMatrices {
    /// Builds the matrices from their entries (keys made in memory, tests).
    pub fn from_coefficients(coefficients: impl IntoIterator<Item = Coefficient>) -> Self {
        let mut matrices = QapMatrices::default();
        let mut index = HashMap::new();
        for c in coefficients {
            let value = *index.entry(c.value).or_insert_with(|| {
                matrices.values.push(c.value);
                (matrices.values.len() - 1) as u32
            });
            matrices.push(c.matrix, c.constraint, c.signal, value);
        }
        matrices
    }

    /// The number of nonzero entries of A and B together.
    pub fn len(&self) -> usize {
        self.a.len() + self.b.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of distinct values among the entries.
    pub fn distinct_values(&self) -> usize {
        self.values.len()
    }

    /// Every entry: A's, then B's, each in the order of the file.
    pub fn iter(&self) -> impl Iterator<Item = Coefficient> + '_ {
        let a = self.a.iter().map(|e| (Matrix::A, e));
        let b = self.b.iter().map(|e| (Matrix::B, e));
        a.chain(b).map(|(matrix, e)| Coefficient {
            matrix,
            constraint: e.row,
            signal: e.signal,
            value: self.values[e.value as usize],
        })
    }

    /// `(A w, B w)` over `rows` rows, the two products concurrently. Every entry's row must be
    /// below `rows` and its signal below `witness.len()` (the reader and
    /// `Groth16Zkey::validate` check both).
    pub fn mul_witness(&self, witness: &[Fr], rows: usize) -> (Vec<Fr>, Vec<Fr>) {
        let product = |entries: &[Entry]| {
            let mut out = vec![Fr::zero(); rows];
            for e in entries {
                out[e.row as usize] += self.values[e.value as usize] * witness[e.signal as usize];
            }
            out
        };
        rayon::join(|| product(&self.a), || product(&self.b))
    }

    fn push(&mut self, matrix: Matrix, row: u32, signal: u32, value: u32) {
        let entry = Entry { row, signal, value };
        match matrix {
            Matrix::A => self.a.push(entry),
            Matrix::B => self.b.push(entry),
        }
    }

    /// Reads section 4, checking every row against `domain_size` and every signal against
    /// `n_vars`. Values are stored as `v * R^2 mod r` (R = 2^256): read as Montgomery form that
    /// is `v * R`, so each distinct value is divided by R once.
    pub(crate) fn read(r: &mut Reader<'_>, n_vars: usize, domain_size: usize) -> Result<Self> {
        const RECORD: usize = 12 + 32;
        let count = r.u32()?;
        r.expect_records(u64::from(count), RECORD as u64)?;
        exact_size(r, u64::from(count) * RECORD as u64, "coefficients")?;
        let records = r.take(u64::from(count) * RECORD as u64)?;

        // Exact capacities (bounded by the bytes present, checked above): growing by doubling
        // would leave up to half of each vector unused for the key's lifetime.
        let in_a = records
            .chunks_exact(RECORD)
            .filter(|record| record[..4] == [0; 4])
            .count();
        let mut matrices = QapMatrices {
            a: Vec::with_capacity(in_a),
            b: Vec::with_capacity(count as usize - in_a),
            values: Vec::new(),
        };
        let r_inverse = Fr::from(2u64)
            .pow([256])
            .inverse()
            .expect("2^256 is invertible mod r");
        debug_assert!(r_inverse * Fr::from(2u64).pow([256]) == Fr::one());
        let mut index: HashMap<&[u8], u32> = HashMap::new();
        for (i, record) in records.chunks_exact(RECORD).enumerate() {
            let word = |k: usize| u32::from_le_bytes(record[4 * k..4 * k + 4].try_into().unwrap());
            let matrix = match word(0) {
                0 => Matrix::A,
                1 => Matrix::B,
                m => {
                    return Err(FormatError::Inconsistent(format!(
                        "zkey: coefficient {i} is for matrix {m}; only A (0) and B (1) are stored"
                    )))
                }
            };
            let (row, signal) = (word(1), word(2));
            if row as usize >= domain_size || signal as usize >= n_vars {
                return Err(FormatError::Inconsistent(format!(
                    "zkey: coefficient {i} at row {row}, signal {signal} is outside the domain ({domain_size}) or the signals ({n_vars})"
                )));
            }
            let raw = &record[12..];
            let value = match index.get(raw) {
                Some(&value) => value,
                None => {
                    let stored = layout::fr_from_bytes(raw.try_into().unwrap(), Form::Montgomery)
                        .map_err(|_| FormatError::BadFieldElement {
                        what: "zkey coefficient",
                        index: i as u64,
                    })?;
                    matrices.values.push(stored * r_inverse);
                    let value = (matrices.values.len() - 1) as u32;
                    index.insert(raw, value);
                    value
                }
            };
            matrices.push(matrix, row, signal, value);
        }
        matrices.values.shrink_to_fit();
        Ok(matrices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_std::rand::Rng;
    use kiln_host::conformance::seeded_rng;

    const ROWS: usize = 64;
    const SIGNALS: usize = 40;

    /// A section 4 body of `entries`, each value stored as snarkjs does: the integer
    /// `v * R^2 mod r`, which is the Montgomery-form encoding of the element `v * R`.
    fn section(entries: &[Coefficient]) -> Vec<u8> {
        let r = Fr::from(2u64).pow([256]);
        let mut out = (entries.len() as u32).to_le_bytes().to_vec();
        for c in entries {
            let matrix: u32 = match c.matrix {
                Matrix::A => 0,
                Matrix::B => 1,
            };
            for word in [matrix, c.constraint, c.signal] {
                out.extend_from_slice(&word.to_le_bytes());
            }
            out.extend_from_slice(&layout::fr_to_bytes(&(c.value * r), Form::Montgomery));
        }
        out
    }

    /// Random entries whose values repeat (a pool of 5) and sometimes do not.
    fn entries(rng: &mut impl Rng, count: usize) -> Vec<Coefficient> {
        let pool: Vec<Fr> = (0..5).map(|_| Fr::rand(rng)).collect();
        (0..count)
            .map(|_| Coefficient {
                matrix: if rng.gen() { Matrix::A } else { Matrix::B },
                constraint: rng.gen_range(0..ROWS as u32),
                signal: rng.gen_range(0..SIGNALS as u32),
                value: if rng.gen_bool(0.8) {
                    pool[rng.gen_range(0..pool.len())]
                } else {
                    Fr::rand(rng)
                },
            })
            .collect()
    }

    fn in_file_order_by_matrix(entries: &[Coefficient]) -> Vec<Coefficient> {
        let of = |m| entries.iter().filter(move |c| c.matrix == m).copied();
        of(Matrix::A).chain(of(Matrix::B)).collect()
    }

    #[test]
    fn reads_every_entry_and_shares_repeated_values() {
        let mut rng = seeded_rng("qap matrices read");
        let want = entries(&mut rng, 500);
        let bytes = section(&want);
        let read = QapMatrices::read(&mut Reader::new(&bytes, "test"), SIGNALS, ROWS).unwrap();
        assert_eq!(
            read.iter().collect::<Vec<_>>(),
            in_file_order_by_matrix(&want)
        );
        let mut distinct = want.iter().map(|c| c.value).collect::<Vec<_>>();
        distinct.sort();
        distinct.dedup();
        assert_eq!(read.distinct_values(), distinct.len());
        assert_eq!(read, QapMatrices::from_coefficients(want.iter().copied()));
    }

    #[test]
    fn products_match_the_entry_by_entry_sums() {
        let mut rng = seeded_rng("qap matrices product");
        let want = entries(&mut rng, 300);
        let witness: Vec<Fr> = (0..SIGNALS).map(|_| Fr::rand(&mut rng)).collect();
        let (a, b) =
            QapMatrices::from_coefficients(want.iter().copied()).mul_witness(&witness, ROWS);
        let mut expected = [vec![Fr::zero(); ROWS], vec![Fr::zero(); ROWS]];
        for c in &want {
            let side = usize::from(c.matrix == Matrix::B);
            expected[side][c.constraint as usize] += c.value * witness[c.signal as usize];
        }
        assert_eq!([a, b], expected);
    }

    #[test]
    fn refuses_bad_entries_naming_them() {
        let mut rng = seeded_rng("qap matrices errors");
        let good = section(&entries(&mut rng, 10));
        let read = |bytes: &[u8]| QapMatrices::read(&mut Reader::new(bytes, "test"), SIGNALS, ROWS);
        let record = |i: usize| 4 + 44 * i;

        let mut bad = good.clone();
        bad[record(3)..record(3) + 4].copy_from_slice(&2u32.to_le_bytes());
        let e = read(&bad).unwrap_err().to_string();
        assert!(e.contains("coefficient 3 is for matrix 2"), "{e}");

        let mut bad = good.clone();
        bad[record(4) + 4..record(4) + 8].copy_from_slice(&(ROWS as u32).to_le_bytes());
        let e = read(&bad).unwrap_err().to_string();
        assert!(e.contains("coefficient 4 at row 64"), "{e}");

        let mut bad = good.clone();
        bad[record(5) + 12..record(5) + 44].copy_from_slice(&[0xff; 32]);
        assert!(matches!(
            read(&bad),
            Err(FormatError::BadFieldElement { index: 5, .. })
        ));

        // A count larger than the records present is refused before anything is allocated.
        let mut bad = good.clone();
        bad[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read(&bad).is_err());
    }
}
