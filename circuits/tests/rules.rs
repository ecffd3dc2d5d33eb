//! The exchange's rules, each checked against numbers computed here independently of the
//! engine: expiry settlement pays the payoff, liquidation closes at the mark and pays half the
//! margin requirement to the insurance fund, and the margin check rounds against the account
//! exactly at its boundary. Each accepted case must also satisfy the circuit.

use kiln_circuits::arith::Rejection;
use kiln_circuits::circuit_machine::{proving_system, Circuit};
use kiln_circuits::engine;
use kiln_circuits::model::{
    Account, Batch, Instrument, Market, Position, Series, Shape, State, Trade,
};
use kiln_circuits::sample::DEMO_TIME;
use kiln_circuits::transition;
use kiln_circuits::units::{FACTOR_FRAC, PRICE_FRAC, SIZE_FRAC, VALUE_FRAC};

const SHAPE: Shape = Shape {
    accounts: 2,
    slots: 1,
    trades: 1,
    series: 2,
};

fn price(v: i128) -> u64 {
    (v << PRICE_FRAC) as u64
}
fn contracts(v: i64) -> i64 {
    v << SIZE_FRAC
}
fn money(v: i128) -> i128 {
    v << VALUE_FRAC
}

fn circuit_satisfied(state: &State, batch: &Batch) -> bool {
    let cs = proving_system();
    let mut c = Circuit::new(cs.clone());
    let t = transition::run(&mut c, &SHAPE, state, batch).unwrap();
    c.public(&t.public);
    c.finish().unwrap();
    cs.is_satisfied().unwrap()
}

/// Spot 100, perpetual margin 1/16; series 0 a call at 95 and series 1 a put at 110, both
/// expired a minute ago.
fn market() -> Market {
    let expired = |put, strike| Series {
        put,
        strike: price(strike),
        expiry: DEMO_TIME - 60,
        volatility: price(1) / 2,
        risk: 1 << (FACTOR_FRAC - 3),
    };
    Market {
        timestamp: DEMO_TIME - 1,
        spot: price(100),
        rate: 0,
        perp_risk: 1 << (FACTOR_FRAC - 4),
        series: vec![expired(false, 95), expired(true, 110)],
    }
}

fn batch(trades: Vec<Trade>, liquidations: Vec<usize>) -> Batch {
    Batch {
        id: 9,
        time: DEMO_TIME,
        market: market(),
        trades,
        liquidations,
    }
}

fn account(collateral: i128, p: Position) -> Account {
    Account {
        collateral,
        positions: vec![p],
    }
}

#[test]
fn expired_options_settle_at_their_payoff_and_empty_the_slot() {
    // Long 2 calls bought at 3 (payoff 100 - 95 = 5), short 3 puts sold at 4 (payoff 10).
    let state = State {
        accounts: vec![
            account(
                money(1000),
                Position {
                    instrument: Instrument::Option(0),
                    size: contracts(2),
                    entry: price(3),
                },
            ),
            account(
                money(1000),
                Position {
                    instrument: Instrument::Option(1),
                    size: contracts(-3),
                    entry: price(4),
                },
            ),
        ],
        insurance_fund: 0,
    };
    let b = batch(vec![], vec![]);
    let out = engine::apply(&SHAPE, &state, &b).unwrap();
    let a = &out.new_state.accounts;
    assert_eq!(a[0].collateral, money(1000 + 2 * (5 - 3)));
    assert_eq!(a[1].collateral, money(1000 - 3 * (10 - 4)));
    for acc in a {
        assert_eq!(acc.positions[0], Position::EMPTY);
    }
    assert!(circuit_satisfied(&state, &b));
}

#[test]
fn liquidation_closes_at_the_mark_and_pays_half_the_requirement_to_the_fund() {
    // Long 100 perpetuals from 150 with the spot at 100: value 1000 - 5000 = -4000, requirement
    // 100 * 100 / 16 = 625, so the fund gets 312.5 (floor of half, in the smallest unit).
    let state = State {
        accounts: vec![
            account(money(50_000), Position::EMPTY),
            account(
                money(1000),
                Position {
                    instrument: Instrument::Perpetual,
                    size: contracts(100),
                    entry: price(150),
                },
            ),
        ],
        insurance_fund: money(7),
    };
    let b = batch(vec![], vec![1]);
    let out = engine::apply(&SHAPE, &state, &b).unwrap();
    let requirement = money(625);
    let penalty = requirement / 2;
    assert_eq!(
        out.new_state.accounts[1].collateral,
        money(1000 - 5000) - penalty
    );
    assert_eq!(out.new_state.accounts[1].positions[0], Position::EMPTY);
    assert_eq!(out.new_state.insurance_fund, money(7) + penalty);
    assert_eq!(out.new_state.accounts[0], state.accounts[0]);
    assert!(circuit_satisfied(&state, &b));
}

#[test]
fn the_margin_check_rounds_against_the_account_at_its_boundary() {
    // Account 0 buys q perpetuals at the spot from account 1 (no profit or loss). Requirement:
    // ceil(|size| * price * factor / 2^16) in the collateral unit, with a size that makes the
    // product not a multiple of 2^16, so rounding matters.
    let q: i64 = 777; // 777 / 256 contracts
    let trade = Trade {
        buyer: 0,
        buyer_slot: 0,
        seller: 1,
        seller_slot: 0,
        instrument: Instrument::Perpetual,
        quantity: q as u64,
        price: price(100) + 3,
    };
    let factor = 1i128 << (FACTOR_FRAC - 4);
    let notional = i128::from(q) * i128::from(trade.price);
    let exact = notional * factor;
    let requirement = (exact + (1 << FACTOR_FRAC) - 1) >> FACTOR_FRAC; // ceil
    assert_ne!(exact % (1 << FACTOR_FRAC), 0, "the case must need rounding");
    // The position is marked at the spot afterwards: value = collateral + q * (spot - price).
    let drift = i128::from(q) * (i128::from(price(100)) - i128::from(trade.price));
    let mark_requirement =
        (i128::from(q) * i128::from(price(100)) * factor + (1 << FACTOR_FRAC) - 1) >> FACTOR_FRAC;
    let _ = requirement;
    let enough = mark_requirement - drift;
    for (collateral, ok) in [(enough, true), (enough - 1, false)] {
        let state = State {
            accounts: vec![
                account(collateral, Position::EMPTY),
                account(money(1_000_000), Position::EMPTY),
            ],
            insurance_fund: 0,
        };
        let b = batch(vec![trade], vec![]);
        let result = engine::apply(&SHAPE, &state, &b);
        match (ok, &result) {
            (true, Ok(_)) => assert!(circuit_satisfied(&state, &b)),
            (false, Err(Rejection::InsufficientMargin { account: 0 })) => {
                assert!(!circuit_satisfied(&state, &b))
            }
            _ => panic!("collateral {collateral}: expected ok = {ok}, got {result:?}"),
        }
    }
}
