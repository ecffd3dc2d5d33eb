//! Batches for the demo, benchmarks and tests: a realistic one ([`demo_batch`]) and a minimal
//! valid one ([`quiet_batch`], also the template keys are made from).

use ark_std::rand::Rng;

use crate::engine;
use crate::model::{Account, Batch, Instrument, Market, Position, Series, Shape, State, Trade};
use crate::units::{FACTOR_FRAC, PRICE_FRAC, SIZE_FRAC, VALUE_FRAC};

/// 2026-01-01T00:00:00Z.
pub const DEMO_TIME: u64 = 1_767_225_600;
const DAY: u64 = 86_400;

fn price(v: f64) -> u64 {
    (v * (1u64 << PRICE_FRAC) as f64).round() as u64
}

fn size(v: f64) -> i64 {
    (v * f64::from(1u32 << SIZE_FRAC)).round() as i64
}

fn factor(v: f64) -> u64 {
    (v * f64::from(1u32 << FACTOR_FRAC)).round() as u64
}

fn money(v: f64) -> i128 {
    (v * (1u64 << VALUE_FRAC) as f64).round() as i128
}

/// The market of the samples: spot 100, rate 5%, perpetual margin 5%; series alternate calls and
/// puts around the money. With two or more series, series 0 expired a minute before the batch
/// (it settles in it); the others expire in 7, 30, 90, ... days.
pub fn market(shape: &Shape, time: u64) -> Market {
    let strikes = [95.0, 100.0, 110.0, 90.0, 105.0, 120.0, 80.0, 100.0];
    let days = [7u64, 30, 90, 180, 365, 14, 60, 120];
    Market {
        timestamp: time - 5,
        spot: price(100.0),
        rate: price(0.05),
        perp_risk: factor(0.05),
        series: (0..shape.series)
            .map(|k| Series {
                put: k % 2 == 1,
                strike: price(strikes[k]),
                expiry: if shape.series >= 2 && k == 0 {
                    time - 60
                } else {
                    time + days[k] * DAY
                },
                volatility: price(0.5 + 0.05 * k as f64),
                risk: factor(0.15),
            })
            .collect(),
    }
}

/// Empty accounts and a batch with no trades: valid for every shape.
pub fn quiet_batch(shape: &Shape) -> (State, Batch) {
    let state = State {
        accounts: vec![Account::empty(shape.slots); shape.accounts],
        insurance_fund: 0,
    };
    let batch = Batch {
        id: 0,
        time: DEMO_TIME,
        market: market(shape, DEMO_TIME),
        trades: Vec::new(),
        liquidations: Vec::new(),
    };
    (state, batch)
}

/// A realistic batch for `shape`, from `rng`: funded accounts with open positions (some in the
/// series that expires), one account deep under water that the batch liquidates, and as many
/// random trades near the marks as the shape holds and the margin rules allow. The engine
/// accepts it (checked).
pub fn demo_batch(shape: &Shape, rng: &mut impl Rng) -> (State, Batch) {
    let time = DEMO_TIME;
    let market = market(shape, time);
    let n = shape.accounts;
    let underwater = n - 1;
    let mut accounts: Vec<Account> = (0..n)
        .map(|_| Account {
            collateral: money(rng.gen_range(20_000.0..100_000.0)),
            positions: vec![Position::EMPTY; shape.slots],
        })
        .collect();
    // Open positions, in pairs so sizes net to zero: the perpetual, and the expiring series.
    let mut instruments = vec![Instrument::Perpetual];
    instruments.extend((0..shape.series).map(Instrument::Option));
    for pair in 0..(n - 1) / 2 {
        let (long, short) = (2 * pair, 2 * pair + 1);
        let ins = instruments[pair % instruments.len()];
        let qty = size(rng.gen_range(1.0..10.0));
        let entry = price(if ins == Instrument::Perpetual {
            rng.gen_range(95.0..105.0)
        } else {
            rng.gen_range(2.0..12.0)
        });
        accounts[long].positions[0] = Position {
            instrument: ins,
            size: qty,
            entry,
        };
        accounts[short].positions[0] = Position {
            instrument: ins,
            size: -qty,
            entry,
        };
    }
    // The account to liquidate: long the perpetual from 150 with the spot at 100, and little
    // collateral.
    accounts[underwater] = Account {
        collateral: money(1_000.0),
        positions: {
            let mut p = vec![Position::EMPTY; shape.slots];
            p[0] = Position {
                instrument: Instrument::Perpetual,
                size: size(100.0),
                entry: price(150.0),
            };
            p
        },
    };
    let state = State {
        accounts,
        insurance_fund: money(50_000.0),
    };

    let mut batch = Batch {
        id: rng.gen_range(1..1_000_000),
        time,
        market,
        trades: Vec::new(),
        liquidations: vec![underwater],
    };
    let marks = engine::apply(shape, &state, &batch)
        .expect("the sample state and market are valid")
        .marks;
    let tradable: Vec<Instrument> = instruments
        .iter()
        .copied()
        .filter(|i| !matches!(i, Instrument::Option(0) if shape.series >= 2))
        .collect();
    // Each account's slots as the trades so far leave them.
    let mut attempts = 0;
    while batch.trades.len() < shape.trades && attempts < 20 * shape.trades {
        attempts += 1;
        let buyer = rng.gen_range(0..n - 1);
        let seller = rng.gen_range(0..n - 1);
        if buyer == seller {
            continue;
        }
        let ins = tradable[rng.gen_range(0..tradable.len())];
        let mark = match ins {
            Instrument::Option(k) => crate::units::to_f64(
                crate::arith::i128_from_fr(marks[k]).unwrap_or(0),
                PRICE_FRAC,
            ),
            _ => 100.0,
        };
        let applied = match engine::apply(shape, &state, &batch) {
            Ok(o) => o.new_state,
            Err(_) => break,
        };
        let slot_for = |acc: usize| {
            applied.accounts[acc]
                .positions
                .iter()
                .position(|p| p.instrument == ins)
                .or_else(|| {
                    applied.accounts[acc]
                        .positions
                        .iter()
                        .position(|p| p.size == 0)
                })
        };
        let (Some(buyer_slot), Some(seller_slot)) = (slot_for(buyer), slot_for(seller)) else {
            continue;
        };
        let trade = Trade {
            buyer,
            buyer_slot,
            seller,
            seller_slot,
            instrument: ins,
            quantity: size(rng.gen_range(0.5..5.0)) as u64,
            price: price(mark.max(0.05) * rng.gen_range(0.99..1.01)),
        };
        batch.trades.push(trade);
        if engine::apply(shape, &state, &batch).is_err() {
            batch.trades.pop();
        }
    }
    (state, batch)
}
