//! The batch transition, written once over [`Arith`]: run with [`crate::native::Native`] it is
//! the exchange's engine, run with [`crate::circuit_machine::Circuit`] it is the circuit.
//!
//! Order of a batch (see [`Batch`]): market checks and option marks; the trades, in order, each
//! marking both positions to its price; the expiry settlement; margin and liquidations; the new
//! state root and the one public input `Poseidon(old root, new root, batch id, prices hash)`.
//!
//! The circuit's shape depends only on the [`Shape`]: every trade slot is processed (inactive
//! ones change nothing), every account is margined (the rule applies only to touched ones), and
//! selections are one-hot dot products over all accounts and slots.
//!
//! The stored state is not range-checked when it is read: every value in it was checked when
//! the batch that wrote it was proven (the final checks below), or by [`State::check`] for the
//! genesis state, and the verifier only accepts an old root it already holds.

use ark_bn254::Fr;
use ark_ff::One;

use crate::arith::{fr_from_i128, pow2, Arith, Rejection};
use crate::model::{Account, Batch, Instrument, Position, Shape, State};
use crate::poseidon;
use crate::pricing;
use crate::units::{
    EXPIRY_HALT_SECONDS, FACTOR_BITS, FACTOR_FRAC, MARGIN_BITS, MAX_PRICE_AGE_SECONDS, PRICE_BITS,
    PRICE_FRAC, QTY_BITS, RISK_BITS, SECONDS_PER_YEAR, SIZE_BITS, TIME_BITS, VALUE_BITS,
};

/// One position slot in the computation.
#[derive(Clone)]
struct SlotV<V> {
    instrument: V,
    size: V,
    entry: V,
}

/// One account in the computation.
#[derive(Clone)]
struct AccountV<V> {
    collateral: V,
    slots: Vec<SlotV<V>>,
}

/// What a batch produced, as values of the machine it ran on.
pub struct Transition<V> {
    pub old_root: V,
    pub new_root: V,
    pub prices_hash: V,
    /// `Poseidon(old root, new root, batch id, prices hash)`: the proof's one public input.
    pub public: V,
    /// The new state's values: per account, collateral then (instrument, size, entry) per slot;
    /// then the insurance fund.
    accounts: Vec<AccountV<V>>,
    fund: V,
    /// The option marks, one per series.
    pub marks: Vec<V>,
}

fn fr_u(v: u64) -> Fr {
    Fr::from(v)
}

fn out_of_range(what: String) -> Rejection {
    Rejection::OutOfRange { what }
}

/// `Poseidon` of an account: collateral, then instrument, size and entry of each slot.
fn leaf<A: Arith>(a: &mut A, acc: &AccountV<A::V>) -> A::V {
    let mut inputs = vec![acc.collateral.clone()];
    for s in &acc.slots {
        inputs.extend([s.instrument.clone(), s.size.clone(), s.entry.clone()]);
    }
    poseidon::hash(a, &inputs)
}

/// The state root: a binary Poseidon tree over the account leaves, hashed with the fund.
fn state_root<A: Arith>(a: &mut A, accounts: &[AccountV<A::V>], fund: &A::V) -> A::V {
    let mut level: Vec<A::V> = accounts.iter().map(|acc| leaf(a, acc)).collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| poseidon::hash(a, pair))
            .collect();
    }
    poseidon::hash(a, &[level[0].clone(), fund.clone()])
}

fn account_inputs<A: Arith>(a: &mut A, acc: &Account) -> AccountV<A::V> {
    AccountV {
        collateral: a.input(fr_from_i128(acc.collateral)),
        slots: acc
            .positions
            .iter()
            .map(|p| SlotV {
                instrument: a.input(fr_u(p.instrument.id())),
                size: a.input(fr_from_i128(i128::from(p.size))),
                entry: a.input(fr_u(p.entry)),
            })
            .collect(),
    }
}

/// Checks `lo <= v <= hi` for constants, as two range checks of `bits` bits.
fn within<A: Arith>(
    a: &mut A,
    v: &A::V,
    lo: i128,
    hi: i128,
    bits: u32,
    what: &dyn Fn() -> Rejection,
) -> Result<(), Rejection> {
    let above = a.offset(v, -fr_from_i128(lo));
    a.range(&above, bits, what)?;
    let hi_v = a.int(hi);
    let below = a.sub(&hi_v, v);
    a.range(&below, bits, what)
}

/// Values per instrument id (0 = empty slot, 1 = perpetual, 2.. = series), for selection by a
/// slot's one-hot instrument.
struct PerInstrument<V> {
    mark: Vec<V>,
    factor: Vec<V>,
    expires: Vec<V>,
    payoff: Vec<V>,
}

/// Runs `batch` on `state` with machine `a`. The native machine returns the rule a bad batch
/// breaks; the circuit machine always returns (its constraints then cannot be satisfied).
pub fn run<A: Arith>(
    a: &mut A,
    shape: &Shape,
    state: &State,
    batch: &Batch,
) -> Result<Transition<A::V>, Rejection> {
    let instruments = shape.instruments();
    let shape_error = |e: crate::model::ShapeError| Rejection::Invalid {
        what: e.to_string(),
    };
    shape
        .validate()
        .map_err(|what| Rejection::Invalid { what })?;
    state.check(shape).map_err(shape_error)?;
    batch.check(shape).map_err(shape_error)?;

    // ---- inputs and the old root ----
    let mut accounts: Vec<AccountV<A::V>> = state
        .accounts
        .iter()
        .map(|acc| account_inputs(a, acc))
        .collect();
    let mut fund = a.input(fr_from_i128(state.insurance_fund));
    let old_root = state_root(a, &accounts, &fund);

    let m = &batch.market;
    let batch_id = a.input(fr_u(batch.id));
    let time = a.input(fr_u(batch.time));
    let timestamp = a.input(fr_u(m.timestamp));
    let spot = a.input(fr_u(m.spot));
    let rate = a.input(fr_u(m.rate));
    let perp_risk = a.input(fr_u(m.perp_risk));
    struct SeriesV<V, B> {
        put: B,
        strike: V,
        expiry: V,
        volatility: V,
        risk: V,
    }
    let series: Vec<SeriesV<A::V, A::B>> = m
        .series
        .iter()
        .map(|s| SeriesV {
            put: a.input_bool(s.put),
            strike: a.input(fr_u(s.strike)),
            expiry: a.input(fr_u(s.expiry)),
            volatility: a.input(fr_u(s.volatility)),
            risk: a.input(fr_u(s.risk)),
        })
        .collect();
    let mut priced = vec![
        time.clone(),
        timestamp.clone(),
        spot.clone(),
        rate.clone(),
        perp_risk.clone(),
    ];
    for s in &series {
        let put = a.bit(&s.put);
        priced.extend([
            put,
            s.strike.clone(),
            s.expiry.clone(),
            s.volatility.clone(),
            s.risk.clone(),
        ]);
    }
    let prices_hash = poseidon::hash_many(a, &priced);

    // ---- market checks ----
    a.range(&time, TIME_BITS, &|| out_of_range("batch.time".into()))?;
    let age = a.sub(&time, &timestamp);
    within(a, &age, 0, MAX_PRICE_AGE_SECONDS.into(), TIME_BITS, &|| {
        Rejection::StalePrice {
        what: format!(
            "the market snapshot must be taken at most {MAX_PRICE_AGE_SECONDS} s before the batch (batch.market.timestamp)"
        ),
    }
    })?;
    within(a, &spot, 1, (1 << PRICE_BITS) - 1, PRICE_BITS, &|| {
        out_of_range("batch.market.spot must be positive and below 2^24".into())
    })?;
    let factor_max = 1i128 << FACTOR_FRAC;
    within(a, &perp_risk, 0, factor_max, FACTOR_BITS, &|| {
        out_of_range("batch.market.perp_risk must be within [0, 1]".into())
    })?;

    let zero = a.zero();
    let mut per = PerInstrument {
        mark: vec![zero.clone(), spot.clone()],
        factor: vec![zero.clone(), perp_risk.clone()],
        expires: vec![zero.clone(), zero.clone()],
        payoff: vec![zero.clone(), zero.clone()],
    };
    for (k, s) in series.iter().enumerate() {
        let at = |f: &str| format!("batch.market.series[{k}].{f}");
        within(a, &s.risk, 0, factor_max, FACTOR_BITS, &|| {
            out_of_range(at("risk must be within [0, 1]"))
        })?;
        // Expired (settles in this batch), or at least the trading halt away from expiry.
        let expired = s.expiry.clone();
        let expires = a.input_bool(m.series[k].expiry <= batch.time);
        let since = a.sub(&time, &expired);
        let until = a.sub(&expired, &time);
        let until_halt = a.offset(&until, -fr_u(EXPIRY_HALT_SECONDS));
        let gap = a.select(&expires, &since, &until_halt);
        a.range(&gap, TIME_BITS, &|| Rejection::Invalid {
            what: format!(
                "{}: the series is within {EXPIRY_HALT_SECONDS} s of expiry; it trades again only to settle, after it expires",
                at("expiry")
            ),
        })?;
        // Years to expiry with 32 fractional bits; an expiring series is priced at one year
        // (any valid time: its positions settle at the payoff, not at this mark).
        let scaled = a.scale(&until, pow2(PRICE_FRAC));
        let year = a.int(SECONDS_PER_YEAR.into());
        let years = a.div(&scaled, &year, 25, TIME_BITS + 8, &|| {
            out_of_range(at("expiry"))
        })?;
        let one_year = a.constant(pow2(PRICE_FRAC));
        let years = a.select(&expires, &one_year, &years);
        let mark = pricing::black_scholes(
            a,
            &pricing::OptionInputs {
                spot: spot.clone(),
                strike: s.strike.clone(),
                time: years,
                volatility: s.volatility.clone(),
                rate: rate.clone(),
                is_put: s.put.clone(),
            },
            &format!("batch.market.series[{k}]"),
        )?;
        let call_payoff = a.sub(&spot, &s.strike);
        let put_payoff = a.sub(&s.strike, &spot);
        let intrinsic = a.select(&s.put, &put_payoff, &call_payoff);
        let negative = a.sign(&intrinsic, PRICE_BITS + 1, &|| out_of_range(at("strike")))?;
        let payoff = a.relu(&intrinsic, &negative);
        let expires_v = a.bit(&expires);
        per.mark.push(mark);
        per.factor.push(s.risk.clone());
        per.expires.push(expires_v);
        per.payoff.push(payoff);
    }
    debug_assert_eq!(per.mark.len(), instruments);

    // ---- trades ----
    let n_accounts = shape.accounts;
    let mut touches: Vec<A::V> = vec![zero.clone(); n_accounts];
    for t in 0..shape.trades {
        let trade = batch.trades.get(t);
        let at = |f: &str| format!("batch.trades[{t}].{f}");
        let active = a.input_bool(trade.is_some());
        let active_v = a.bit(&active);
        let inactive = a.not(&active);
        let side = |a: &mut A, account: Option<usize>, slot: Option<usize>| -> Vec<Vec<A::B>> {
            (0..n_accounts)
                .map(|i| {
                    (0..shape.slots)
                        .map(|j| a.input_bool(account == Some(i) && slot == Some(j)))
                        .collect()
                })
                .collect()
        };
        let buyer = side(a, trade.map(|tr| tr.buyer), trade.map(|tr| tr.buyer_slot));
        let seller = side(a, trade.map(|tr| tr.seller), trade.map(|tr| tr.seller_slot));
        let instrument: Vec<A::B> = (1..instruments)
            .map(|id| a.input_bool(trade.map(|tr| tr.instrument.id()) == Some(id as u64)))
            .collect();
        let quantity = a.input(fr_u(trade.map_or(0, |tr| tr.quantity)));
        let price = a.input(fr_u(trade.map_or(0, |tr| tr.price)));

        // Exactly one buyer slot, one seller slot and one instrument when active, none otherwise.
        let count = |a: &mut A, bits: &[A::B]| -> A::V {
            let mut acc = a.zero();
            for b in bits {
                let v = a.bit(b);
                acc = a.add(&acc, &v);
            }
            acc
        };
        for (what, picks) in [
            ("buyer", buyer.concat()),
            ("seller", seller.concat()),
            ("instrument", instrument.clone()),
        ] {
            let n = count(a, &picks);
            a.assert_eq(&n, &active_v, &|| Rejection::Invalid {
                what: format!("{}: one {what} per trade", at(what)),
            })?;
        }
        let mut instrument_id = a.zero();
        for (k, b) in instrument.iter().enumerate() {
            let v = a.bit(b);
            let id = a.scale(&v, fr_u(k as u64 + 1));
            instrument_id = a.add(&instrument_id, &id);
        }
        // A positive quantity and price when active; zero otherwise.
        for (what, v, bits) in [
            ("quantity", &quantity, QTY_BITS),
            ("price", &price, PRICE_BITS),
        ] {
            let above = a.sub(v, &active_v);
            a.range(&above, bits, &|| {
                out_of_range(format!(
                    "{} must be positive and below 2^{bits} units",
                    at(what)
                ))
            })?;
            let stray = a.select(&inactive, v, &zero);
            a.assert_zero(&stray, &|| Rejection::Invalid {
                what: format!("{}: an inactive trade has none", at(what)),
            })?;
        }
        // Buyer and seller are different accounts.
        let accounts_of = |a: &mut A, picks: &[Vec<A::B>]| -> Vec<A::V> {
            picks.iter().map(|row| count(a, row)).collect()
        };
        let buyer_account = accounts_of(a, &buyer);
        let seller_account = accounts_of(a, &seller);
        for i in 0..n_accounts {
            let both = a.mul(&buyer_account[i], &seller_account[i]);
            a.assert_zero(&both, &|| Rejection::Invalid {
                what: format!("{}: buyer and seller are both account {i}", at("seller")),
            })?;
            let sum = a.add(&buyer_account[i], &seller_account[i]);
            let total = a.add(&touches[i], &sum);
            touches[i] = a.compact(&total);
        }

        let minus_quantity = a.neg(&quantity);
        for (who, picks, picked_account, delta) in [
            ("buyer", &buyer, &buyer_account, &quantity),
            ("seller", &seller, &seller_account, &minus_quantity),
        ] {
            let flat: Vec<A::B> = picks.concat();
            let slots: Vec<&SlotV<A::V>> =
                accounts.iter().flat_map(|acc| acc.slots.iter()).collect();
            let ins: Vec<A::V> = slots.iter().map(|s| s.instrument.clone()).collect();
            let sizes: Vec<A::V> = slots.iter().map(|s| s.size.clone()).collect();
            let entries: Vec<A::V> = slots.iter().map(|s| s.entry.clone()).collect();
            let held = a.dot(&flat, &ins);
            let size = a.dot(&flat, &sizes);
            let entry = a.dot(&flat, &entries);
            // The slot holds this instrument, or nothing (size 0).
            let other = a.sub(&held, &instrument_id);
            let clash = a.mul(&other, &size);
            a.assert_zero(&clash, &|| Rejection::Invalid {
                what: format!(
                    "{}: the {who}'s slot holds another instrument",
                    at(&format!("{who}_slot"))
                ),
            })?;
            // Mark the position to the trade price, then add the fill. (The differences are used
            // once per slot below: materialised, each use is one PLONK gate, not two.)
            let move_ = a.sub(&price, &entry);
            let move_ = a.compact(&move_);
            let pnl = a.mul(&size, &move_);
            let retag = a.sub(&instrument_id, &held);
            let retag = a.compact(&retag);
            for (k, pick) in flat.iter().enumerate() {
                let (i, j) = (k / shape.slots, k % shape.slots);
                let p = a.bit(pick);
                let s = &mut accounts[i].slots[j];
                s.size = a.mul_add(&p, delta, &s.size);
                s.entry = a.mul_add(&p, &move_, &s.entry);
                s.instrument = a.mul_add(&p, &retag, &s.instrument);
            }
            for (i, acc) in accounts.iter_mut().enumerate() {
                acc.collateral = a.mul_add(&picked_account[i], &pnl, &acc.collateral);
            }
        }
    }

    // ---- expiry settlement, then marks and margin per account ----
    let mut liquidated = vec![false; n_accounts];
    for &l in &batch.liquidations {
        liquidated[l] = true;
    }
    let factor_round = FACTOR_FRAC;
    for (i, acc) in accounts.iter_mut().enumerate() {
        let at = |f: &str| format!("account {i}{f}");
        let mut value = zero.clone();
        let mut risk_raw = zero.clone();
        let mut onehots = Vec::with_capacity(shape.slots);
        for (j, s) in acc.slots.iter_mut().enumerate() {
            // The slot's instrument as a one-hot over the ids.
            let id_now = Instrument::from_id(
                crate::arith::i128_from_fr(a.value(&s.instrument))
                    .unwrap_or(-1)
                    .max(0) as u64,
                shape.series,
            );
            let onehot: Vec<A::B> = (0..instruments)
                .map(|id| a.input_bool(id_now.map(|x| x.id()) == Some(id as u64)))
                .collect();
            let total = {
                let mut acc = a.zero();
                let mut idsum = a.zero();
                for (id, b) in onehot.iter().enumerate() {
                    let v = a.bit(b);
                    acc = a.add(&acc, &v);
                    let w = a.scale(&v, fr_u(id as u64));
                    idsum = a.add(&idsum, &w);
                }
                a.assert_eq(&idsum, &s.instrument, &|| Rejection::Invalid {
                    what: format!(
                        "{}: not an instrument of this market",
                        at(&format!(" slot {j}"))
                    ),
                })?;
                acc
            };
            let one = a.constant(Fr::one());
            a.assert_eq(&total, &one, &|| Rejection::Invalid {
                what: format!(
                    "{}: not an instrument of this market",
                    at(&format!(" slot {j}"))
                ),
            })?;
            // Settle an expired option at its payoff and empty the slot.
            let expires_sel = select_by(a, &onehot, &per.expires, 2);
            let payoff = select_by(a, &onehot, &per.payoff, 2);
            let expiring = {
                let e = a.is_zero(&expires_sel);
                a.not(&e)
            };
            let gain = a.sub(&payoff, &s.entry);
            let settle_all = a.mul(&s.size, &gain);
            let settle = a.select(&expiring, &settle_all, &zero);
            acc.collateral = a.add(&acc.collateral, &settle);
            s.size = a.select(&expiring, &zero, &s.size);
            s.entry = a.select(&expiring, &zero, &s.entry);
            s.instrument = a.select(&expiring, &zero, &s.instrument);
            // Mark and risk of what remains.
            let mark = select_by(a, &onehot, &per.mark, 1);
            let factor = select_by(a, &onehot, &per.factor, 1);
            let drift = a.sub(&mark, &s.entry);
            let upnl = a.mul(&s.size, &drift);
            value = a.add(&value, &upnl);
            let negative = a.sign(&s.size, SIZE_BITS, &|| Rejection::Overflow {
                what: format!(
                    "{}: the position exceeds 2^32 contracts",
                    at(&format!(" slot {j}"))
                ),
            })?;
            let magnitude = a.abs(&s.size, &negative);
            let notional = a.mul(&magnitude, &mark);
            let r = a.mul(&factor, &notional);
            risk_raw = a.add(&risk_raw, &r);
            onehots.push(onehot);
        }
        value = a.add(&value, &acc.collateral);
        // Risk rounded up: ceil(x / 2^16) = -floor(-x / 2^16).
        let minus = a.neg(&risk_raw);
        let floor_minus = a.shr(&minus, factor_round, RISK_BITS, &|| Rejection::Overflow {
            what: format!("{}: the margin requirement", at("")),
        })?;
        let risk = a.neg(&floor_minus);
        let healthy = a.ge(&value, &risk, MARGIN_BITS, &|| Rejection::Overflow {
            what: format!("{}: value or margin beyond range", at("")),
        })?;
        let untouched = a.is_zero(&touches[i]);
        let touched = a.not(&untouched);
        let liquidate = a.input_bool(liquidated[i]);
        let kept = a.not(&liquidate);
        let must_be_healthy = a.and(&touched, &kept);
        a.implies(&must_be_healthy, &healthy, &|| {
            Rejection::InsufficientMargin { account: i }
        })?;
        let unhealthy = a.not(&healthy);
        a.implies(&liquidate, &unhealthy, &|| {
            Rejection::LiquidationOfHealthyAccount { account: i }
        })?;
        // Liquidation: close every position at its mark (the account's value), pay half the
        // margin requirement to the insurance fund.
        let penalty = a.shr(&risk, 1, RISK_BITS, &|| Rejection::Overflow {
            what: format!("{}: the liquidation penalty", at("")),
        })?;
        let after = a.sub(&value, &penalty);
        acc.collateral = a.select(&liquidate, &after, &acc.collateral);
        let paid = a.select(&liquidate, &penalty, &zero);
        fund = a.add(&fund, &paid);
        for s in acc.slots.iter_mut() {
            s.size = a.select(&liquidate, &zero, &s.size);
            s.entry = a.select(&liquidate, &zero, &s.entry);
            s.instrument = a.select(&liquidate, &zero, &s.instrument);
        }
        a.sign(&acc.collateral, VALUE_BITS, &|| Rejection::Overflow {
            what: format!("{}: collateral beyond 2^59 currency units", at("")),
        })?;
    }
    a.sign(&fund, VALUE_BITS, &|| Rejection::Overflow {
        what: "the insurance fund beyond 2^59 currency units".into(),
    })?;

    let new_root = state_root(a, &accounts, &fund);
    let public = poseidon::hash(
        a,
        &[
            old_root.clone(),
            new_root.clone(),
            batch_id,
            prices_hash.clone(),
        ],
    );
    Ok(Transition {
        old_root,
        new_root,
        prices_hash,
        public,
        marks: per.mark[2..].to_vec(),
        accounts,
        fund,
    })
}

/// `sum_id onehot[id] * values[id]` over the ids from `first` (lower ids hold zeros, skipped).
fn select_by<A: Arith>(a: &mut A, onehot: &[A::B], values: &[A::V], first: usize) -> A::V {
    a.dot(&onehot[first..], &values[first..])
}

impl<V> Transition<V> {
    /// The new state, read from the machine's values; `None` when a value is outside the
    /// state's bounds (only possible for a batch the engine rejects).
    pub fn new_state<A: Arith<V = V>>(&self, a: &A, shape: &Shape) -> Option<State> {
        let int = |v: &V| crate::arith::i128_from_fr(a.value(v));
        let state = State {
            accounts: self
                .accounts
                .iter()
                .map(|acc| {
                    Some(Account {
                        collateral: int(&acc.collateral)?,
                        positions: acc
                            .slots
                            .iter()
                            .map(|s| {
                                Some(Position {
                                    instrument: Instrument::from_id(
                                        u64::try_from(int(&s.instrument)?).ok()?,
                                        shape.series,
                                    )?,
                                    size: i64::try_from(int(&s.size)?).ok()?,
                                    entry: u64::try_from(int(&s.entry)?).ok()?,
                                })
                            })
                            .collect::<Option<Vec<_>>>()?,
                    })
                })
                .collect::<Option<Vec<_>>>()?,
            insurance_fund: int(&self.fund)?,
        };
        state.check(shape).ok().map(|()| state)
    }
}

/// The root of `state` computed with machine `a` (inputs allocated fresh).
pub fn root_of<A: Arith>(a: &mut A, state: &State) -> A::V {
    let accounts: Vec<AccountV<A::V>> = state
        .accounts
        .iter()
        .map(|acc| account_inputs(a, acc))
        .collect();
    let fund = a.input(fr_from_i128(state.insurance_fund));
    state_root(a, &accounts, &fund)
}
