//! circomlib's Poseidon (`Poseidon(n)` in circom), written once over [`Arith`]: the same code
//! hashes on the host and in the circuit, so state roots computed by the engine, proven by the
//! circuit and computed by circomlib agree.
//!
//! The round constants and MDS matrices are circomlib's, taken from `light-poseidon` (which
//! reproduces circomlib's parameters; its own hash is the reference the tests compare with).
//! light-poseidon is built on arkworks 0.5, so its constants are converted to this workspace's
//! arkworks 0.6 `Fr` through their canonical bytes.

use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_ff::{Field, One, PrimeField, Zero};

use crate::arith::Arith;

/// The most inputs circomlib's parameters (as light-poseidon carries them) allow.
pub const MAX_INPUTS: usize = 12;

/// The parameters of one width `t = inputs + 1`, with the partial rounds precomputed in sparse
/// form (see [`hash`]).
pub struct Params {
    pub full_rounds: usize,
    pub partial_rounds: usize,
    /// `ark[round * t + i]`.
    pub ark: Vec<Fr>,
    /// `mds[i][j]`.
    pub mds: Vec<Vec<Fr>>,
    /// Per partial round `k`: the constants added before its S-box (`d_k`), the first row of
    /// its sparse matrix (`mds[0][0]` then `v_k`) and the rest of its first column (`w_k`).
    sparse: Vec<SparseRound>,
    /// `M^R` for the lower-right block `M` of the MDS matrix and `R` partial rounds: what
    /// turns the tracked state back into the real one after the partial rounds.
    tail: Vec<Vec<Fr>>,
}

struct SparseRound {
    constants: Vec<Fr>,
    first_row: Vec<Fr>,
    first_column: Vec<Fr>,
}

fn convert(x: &ark_bn254_05::Fr) -> Fr {
    use ark_ff_05::{BigInteger as _, PrimeField as _};
    Fr::from_le_bytes_mod_order(&x.into_bigint().to_bytes_le())
}

type Matrix = Vec<Vec<Fr>>;

fn mat_mul(a: &Matrix, b: &Matrix) -> Matrix {
    let n = a.len();
    let m = b[0].len();
    (0..n)
        .map(|i| {
            (0..m)
                .map(|j| (0..b.len()).map(|k| a[i][k] * b[k][j]).sum())
                .collect()
        })
        .collect()
}

fn mat_vec(a: &Matrix, v: &[Fr]) -> Vec<Fr> {
    a.iter()
        .map(|row| row.iter().zip(v).map(|(x, y)| *x * y).sum())
        .collect()
}

fn identity(n: usize) -> Matrix {
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if i == j { Fr::one() } else { Fr::zero() })
                .collect()
        })
        .collect()
}

/// The inverse by Gauss-Jordan elimination; MDS matrices have every square submatrix
/// invertible, so a pivot always exists.
fn inverse(a: &Matrix) -> Matrix {
    let n = a.len();
    let mut m: Matrix = a.clone();
    let mut inv = identity(n);
    for col in 0..n {
        let pivot = (col..n)
            .find(|&r| !m[r][col].is_zero())
            .expect("an MDS block is invertible");
        m.swap(col, pivot);
        inv.swap(col, pivot);
        let p = m[col][col].inverse().expect("non-zero pivot");
        for j in 0..n {
            m[col][j] *= p;
            inv[col][j] *= p;
        }
        for r in 0..n {
            if r != col && !m[r][col].is_zero() {
                let f = m[r][col];
                for j in 0..n {
                    let (mc, ic) = (m[col][j], inv[col][j]);
                    m[r][j] -= f * mc;
                    inv[r][j] -= f * ic;
                }
            }
        }
    }
    inv
}

/// Precomputes the sparse partial rounds (derivation in [`hash`]).
fn sparse_rounds(
    t: usize,
    full: usize,
    partial: usize,
    ark: &[Fr],
    mds: &Matrix,
) -> (Vec<SparseRound>, Matrix) {
    let block: Matrix = mds[1..].iter().map(|row| row[1..].to_vec()).collect();
    let block_inv = inverse(&block);
    let first_row: Vec<Fr> = mds[0][1..].to_vec();
    let first_column: Vec<Fr> = mds[1..].iter().map(|row| row[0]).collect();
    let mut power = identity(t - 1); // M^k
    let mut power_inv = identity(t - 1); // M^-k
    let mut rounds = Vec::with_capacity(partial);
    for k in 0..partial {
        let c = &ark[(full / 2 + k) * t..(full / 2 + k + 1) * t];
        let mut constants = vec![c[0]];
        constants.extend(mat_vec(&power_inv, &c[1..]));
        // v_k = m^T M^k (a row vector: column j is sum_i m_i M^k[i][j]).
        let v: Vec<Fr> = (0..t - 1)
            .map(|j| (0..t - 1).map(|i| first_row[i] * power[i][j]).sum())
            .collect();
        power_inv = mat_mul(&power_inv, &block_inv);
        let w = mat_vec(&power_inv, &first_column);
        let mut row = vec![mds[0][0]];
        row.extend(v);
        rounds.push(SparseRound {
            constants,
            first_row: row,
            first_column: w,
        });
        power = mat_mul(&block, &power);
    }
    (rounds, power)
}

/// The parameters for `inputs` inputs (1..=12).
pub fn params(inputs: usize) -> &'static Params {
    static TABLE: OnceLock<Vec<Params>> = OnceLock::new();
    assert!(
        (1..=MAX_INPUTS).contains(&inputs),
        "Poseidon takes 1 to {MAX_INPUTS} inputs, not {inputs}"
    );
    &TABLE.get_or_init(|| {
        (1..=MAX_INPUTS)
            .map(|n| {
                let p = light_poseidon::parameters::bn254_x5::get_poseidon_parameters::<
                    ark_bn254_05::Fr,
                >((n + 1) as u8)
                .expect("light-poseidon has parameters for 2 <= t <= 13");
                let ark: Vec<Fr> = p.ark.iter().map(convert).collect();
                let mds: Matrix = p
                    .mds
                    .iter()
                    .map(|row| row.iter().map(convert).collect())
                    .collect();
                let (sparse, tail) =
                    sparse_rounds(n + 1, p.full_rounds, p.partial_rounds, &ark, &mds);
                Params {
                    full_rounds: p.full_rounds,
                    partial_rounds: p.partial_rounds,
                    ark,
                    mds,
                    sparse,
                    tail,
                }
            })
            .collect()
    })[inputs - 1]
}

fn sbox<A: Arith>(a: &mut A, x: &A::V) -> A::V {
    let x2 = a.mul(x, x);
    let x4 = a.mul(&x2, &x2);
    a.mul(&x4, x)
}

/// `sum_j row[j] * v[j]` as one (materialised) value.
fn combine<A: Arith>(a: &mut A, row: &[Fr], v: &[A::V]) -> A::V {
    let mut acc = a.zero();
    for (c, x) in row.iter().zip(v) {
        let term = a.scale(x, *c);
        acc = a.add(&acc, &term);
    }
    a.compact(&acc)
}

/// A full round: constants, `x^5` on every element, the MDS mix (of its first `outputs`
/// elements: the last round needs only the hash).
fn full_round<A: Arith>(
    a: &mut A,
    p: &Params,
    round: usize,
    state: &mut Vec<A::V>,
    outputs: usize,
) {
    let t = state.len();
    for (i, s) in state.iter_mut().enumerate() {
        let x = a.offset(s, p.ark[round * t + i]);
        *s = sbox(a, &x);
    }
    *state = (0..outputs).map(|i| combine(a, &p.mds[i], state)).collect();
}

/// `Poseidon(inputs)`, circomlib's: the state starts `[0, inputs...]`; each round adds its
/// constants, applies `x^5` to every element (full rounds) or the first (the partial rounds in
/// the middle), and multiplies by the MDS matrix; the hash is the first element.
///
/// The partial rounds run in sparse form, which computes the same function with `O(t)` linear
/// terms per round instead of `O(t^2)` (each term beyond the third costs a PLONK gate). Write the
/// MDS matrix in blocks `[[m00, m^T], [m', M]]`. Track the real state `s` as `diag(1, B) * u`
/// with `B = M^k` after `k` partial rounds. Because `diag(1, B)` leaves element 0 alone, it
/// commutes with the S-box of a partial round, and one round becomes
/// `u <- [[m00, m^T B], [(M B)^-1 m', I]] * sbox0(u + diag(1, B)^-1 c)`: a full first row and
/// first column, the identity elsewhere. After the `R` partial rounds, `s = diag(1, M^R) u`.
/// (This is the optimisation of the Poseidon paper's appendix B, derived here from circomlib's
/// plain constants; the tests check it against light-poseidon's plain evaluation.)
pub fn hash<A: Arith>(a: &mut A, inputs: &[A::V]) -> A::V {
    let p = params(inputs.len());
    let t = inputs.len() + 1;
    let mut state: Vec<A::V> = Vec::with_capacity(t);
    state.push(a.zero());
    state.extend(inputs.iter().cloned());
    let half = p.full_rounds / 2;
    for round in 0..half {
        full_round(a, p, round, &mut state, t);
    }
    for round in &p.sparse {
        let z: Vec<A::V> = state
            .iter()
            .zip(&round.constants)
            .map(|(s, c)| a.offset(s, *c))
            .collect();
        let y = sbox(a, &z[0]);
        let mut mixed = Vec::with_capacity(t);
        let mut inputs = vec![y.clone()];
        inputs.extend(z[1..].iter().cloned());
        mixed.push(combine(a, &round.first_row, &inputs));
        for (zi, w) in z[1..].iter().zip(&round.first_column) {
            let term = a.scale(&y, *w);
            let sum = a.add(zi, &term);
            mixed.push(a.compact(&sum));
        }
        state = mixed;
    }
    // Back to the real state: diag(1, M^R) u.
    let rest: Vec<A::V> = (0..t - 1)
        .map(|i| combine(a, &p.tail[i], &state[1..]))
        .collect();
    state.truncate(1);
    state.extend(rest);
    let rounds = p.full_rounds + p.partial_rounds;
    for round in half + p.partial_rounds..rounds {
        let outputs = if round + 1 == rounds { 1 } else { t };
        full_round(a, p, round, &mut state, outputs);
    }
    state.swap_remove(0)
}

/// Hashes any number of values: up to 12 directly, more as `Poseidon(Poseidon(first 12), rest...)`
/// chained in blocks, so long records (market data) still have one commitment.
pub fn hash_many<A: Arith>(a: &mut A, inputs: &[A::V]) -> A::V {
    if inputs.len() <= MAX_INPUTS {
        return hash(a, inputs);
    }
    let mut acc = hash(a, &inputs[..MAX_INPUTS]);
    for chunk in inputs[MAX_INPUTS..].chunks(MAX_INPUTS - 1) {
        let mut block = Vec::with_capacity(chunk.len() + 1);
        block.push(acc);
        block.extend(chunk.iter().cloned());
        acc = hash(a, &block);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arith::Arith;
    use crate::native::Native;
    use ark_ff::UniformRand;
    use kiln_host::conformance::seeded_rng;
    use light_poseidon::{Poseidon, PoseidonHasher};

    fn to_05(x: &Fr) -> ark_bn254_05::Fr {
        use ark_ff::BigInteger;
        use ark_ff_05::PrimeField as _;
        ark_bn254_05::Fr::from_le_bytes_mod_order(&x.into_bigint().to_bytes_le())
    }

    #[test]
    fn the_hash_is_light_poseidons_for_every_width() {
        let mut rng = seeded_rng("poseidon vs light-poseidon");
        for n in 1..=MAX_INPUTS {
            let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let ours = hash(&mut Native, &inputs);
            let mut theirs = Poseidon::<ark_bn254_05::Fr>::new_circom(n).unwrap();
            let expected = theirs
                .hash(&inputs.iter().map(to_05).collect::<Vec<_>>())
                .unwrap();
            assert_eq!(to_05(&ours), expected, "{n} inputs");
        }
    }

    #[test]
    fn the_circuit_computes_the_same_hash_and_is_satisfied() {
        use crate::circuit_machine::{proving_system, Circuit};
        let mut rng = seeded_rng("poseidon circuit");
        for n in [1, 2, 5, 10, 12] {
            let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let cs = proving_system();
            let mut c = Circuit::new(cs.clone());
            let vars: Vec<_> = inputs.iter().map(|x| c.input(*x)).collect();
            let h = hash(&mut c, &vars);
            assert_eq!(c.value(&h), hash(&mut Native, &inputs), "{n} inputs");
            c.finish().unwrap();
            assert!(cs.is_satisfied().unwrap(), "{n} inputs");
            println!("Poseidon({n}): {} constraints", cs.num_constraints());
        }
    }

    #[test]
    fn poseidon_of_1_and_2_is_circomlibs_published_value() {
        // circomlib's test vector (test/poseidoncircuit.js): Poseidon([1, 2]).
        let h = hash(&mut Native, &[Fr::from(1u64), Fr::from(2u64)]);
        assert_eq!(
            h.to_string(),
            "7853200120776062878684798364095072458815029376092732009249414926327459813530"
        );
    }
}
