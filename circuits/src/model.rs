//! The exchange's data: accounts and their positions, the market snapshot a batch is priced
//! with, and the batch itself. Amounts are raw fixed-point integers (see [`crate::units`]).

use crate::units::{PRICE_BITS, QTY_BITS, SIZE_BITS, VALUE_BITS};

/// The dimensions of a batch circuit. One proving key serves every batch of one shape: shorter
/// batches are padded with inactive trades, fewer accounts with empty ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    /// Accounts in the state tree (a power of two).
    pub accounts: usize,
    /// Position slots per account (at most 3: a leaf hashes collateral and 3 values per slot
    /// with one circomlib Poseidon of at most 12 inputs).
    pub slots: usize,
    /// Trades per batch.
    pub trades: usize,
    /// Option series per market.
    pub series: usize,
}

impl Shape {
    /// The demo's exchange: 16 accounts of 3 slots, 64 trades, 4 option series.
    pub const DEMO: Shape = Shape {
        accounts: 16,
        slots: 3,
        trades: 64,
        series: 4,
    };

    /// The shape the end-to-end tests prove: small, yet with an option series that expires,
    /// one that is priced, and a liquidation.
    pub const TEST: Shape = Shape {
        accounts: 4,
        slots: 2,
        trades: 4,
        series: 2,
    };

    /// Checks the shape is one the circuit supports.
    pub fn validate(&self) -> Result<(), String> {
        if !self.accounts.is_power_of_two() || self.accounts < 2 || self.accounts > 1 << 16 {
            return Err(format!(
                "accounts must be a power of two from 2 to 65536, not {}",
                self.accounts
            ));
        }
        if !(1..=3).contains(&self.slots) {
            return Err(format!("slots must be 1 to 3, not {}", self.slots));
        }
        if self.trades == 0 || self.trades > 4096 {
            return Err(format!("trades must be 1 to 4096, not {}", self.trades));
        }
        if self.series > 8 {
            return Err(format!("series must be 0 to 8, not {}", self.series));
        }
        Ok(())
    }

    /// Instrument ids: 0 (an empty slot), 1 (the perpetual), 2.. (option series).
    pub fn instruments(&self) -> usize {
        2 + self.series
    }

    /// Depth of the account tree.
    pub fn depth(&self) -> u32 {
        self.accounts.trailing_zeros()
    }
}

/// What a position slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Instrument {
    Empty,
    Perpetual,
    /// Option series `k` of the market.
    Option(usize),
}

impl Instrument {
    /// The id the state commits to.
    pub fn id(self) -> u64 {
        match self {
            Instrument::Empty => 0,
            Instrument::Perpetual => 1,
            Instrument::Option(k) => 2 + k as u64,
        }
    }

    pub fn from_id(id: u64, series: usize) -> Option<Self> {
        match id {
            0 => Some(Instrument::Empty),
            1 => Some(Instrument::Perpetual),
            k if ((k - 2) as usize) < series => Some(Instrument::Option((k - 2) as usize)),
            _ => None,
        }
    }
}

/// One position slot: an instrument, a signed size and the price it was last settled at
/// (positions are marked to the trade price whenever they trade, so realised profit and loss
/// moves into collateral at once and the entry price is the last trade price).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub instrument: Instrument,
    pub size: i64,
    pub entry: u64,
}

impl Position {
    pub const EMPTY: Position = Position {
        instrument: Instrument::Empty,
        size: 0,
        entry: 0,
    };
}

/// An account: collateral and its position slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub collateral: i128,
    pub positions: Vec<Position>,
}

impl Account {
    pub fn empty(slots: usize) -> Self {
        Account {
            collateral: 0,
            positions: vec![Position::EMPTY; slots],
        }
    }
}

/// The exchange's state: every account, and the insurance fund that receives liquidation
/// penalties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub accounts: Vec<Account>,
    pub insurance_fund: i128,
}

/// An option series: European, on the market's spot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Series {
    pub put: bool,
    pub strike: u64,
    /// Expiry time, seconds since the Unix epoch.
    pub expiry: u64,
    /// Implied volatility, 32 fractional bits.
    pub volatility: u64,
    /// Maintenance margin per unit of notional, 16 fractional bits.
    pub risk: u64,
}

/// The prices a batch is marked and margined with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Market {
    /// When the snapshot was taken, seconds since the Unix epoch.
    pub timestamp: u64,
    /// The underlying's index price: the perpetual's mark and the options' spot.
    pub spot: u64,
    /// Risk-free rate, 32 fractional bits.
    pub rate: u64,
    /// The perpetual's maintenance margin per unit of notional, 16 fractional bits.
    pub perp_risk: u64,
    pub series: Vec<Series>,
}

/// A fill between two accounts: `buyer` gains `quantity`, `seller` loses it, at `price`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trade {
    pub buyer: usize,
    pub buyer_slot: usize,
    pub seller: usize,
    pub seller_slot: usize,
    pub instrument: Instrument,
    pub quantity: u64,
    pub price: u64,
}

/// One batch of state transitions, applied in this order: the trades, in order; the expiry
/// settlement of every series that has expired; the liquidations; the margin check of every
/// account a trade touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub id: u64,
    /// The batch's time, seconds since the Unix epoch.
    pub time: u64,
    pub market: Market,
    pub trades: Vec<Trade>,
    /// Accounts to liquidate: each must be below its maintenance margin after the trades and
    /// the expiry settlement.
    pub liquidations: Vec<usize>,
}

/// A structural problem with a state or batch that makes it unusable with a shape (as opposed
/// to a rule the exchange enforces, which the engine reports as a rejection).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ShapeError {
    /// Where, as a JSON path (`batch.trades[3].buyer`).
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> ShapeError {
    ShapeError {
        field: field.into(),
        message: message.into(),
    }
}

impl State {
    /// Checks the state fits `shape` and every stored value is within its bounds (the circuit
    /// relies on the previous batch, or this check for the genesis state, for that).
    pub fn check(&self, shape: &Shape) -> Result<(), ShapeError> {
        if self.accounts.len() != shape.accounts {
            return Err(err(
                "state.accounts",
                format!(
                    "{} accounts, but the circuit has {}",
                    self.accounts.len(),
                    shape.accounts
                ),
            ));
        }
        let value_bound = 1i128 << (VALUE_BITS - 1);
        if self.insurance_fund.abs() >= value_bound {
            return Err(err("state.insurance_fund", "beyond 2^59 currency units"));
        }
        for (i, a) in self.accounts.iter().enumerate() {
            let at = |f: &str| format!("state.accounts[{i}]{f}");
            if a.collateral.abs() >= value_bound {
                return Err(err(at(".collateral"), "beyond 2^59 currency units"));
            }
            if a.positions.len() != shape.slots {
                return Err(err(
                    at(".positions"),
                    format!(
                        "{} slots, but accounts have {}",
                        a.positions.len(),
                        shape.slots
                    ),
                ));
            }
            for (j, p) in a.positions.iter().enumerate() {
                let at = |f: &str| format!("state.accounts[{i}].positions[{j}]{f}");
                if let Instrument::Option(k) = p.instrument {
                    if k >= shape.series {
                        return Err(err(
                            at(".instrument"),
                            format!("option series {k} does not exist"),
                        ));
                    }
                }
                if p.size.unsigned_abs() >= 1 << (SIZE_BITS - 1) {
                    return Err(err(at(".size"), "beyond 2^32 contracts"));
                }
                if p.entry >= 1 << PRICE_BITS {
                    return Err(err(at(".entry"), "beyond 2^24 currency units"));
                }
                if p.instrument == Instrument::Empty && (p.size != 0 || p.entry != 0) {
                    return Err(err(at(""), "an empty slot must have size 0 and entry 0"));
                }
            }
        }
        Ok(())
    }
}

impl Batch {
    /// Checks the batch fits `shape`: counts, and every index names an account, slot or series
    /// that exists. Values are checked by the engine's rules.
    pub fn check(&self, shape: &Shape) -> Result<(), ShapeError> {
        if self.market.series.len() != shape.series {
            return Err(err(
                "batch.market.series",
                format!(
                    "{} series, but the circuit prices {}",
                    self.market.series.len(),
                    shape.series
                ),
            ));
        }
        if self.trades.len() > shape.trades {
            return Err(err(
                "batch.trades",
                format!(
                    "{} trades, but a batch holds at most {}",
                    self.trades.len(),
                    shape.trades
                ),
            ));
        }
        for (t, tr) in self.trades.iter().enumerate() {
            let at = |f: &str| format!("batch.trades[{t}].{f}");
            for (f, account) in [("buyer", tr.buyer), ("seller", tr.seller)] {
                if account >= shape.accounts {
                    return Err(err(
                        at(f),
                        format!(
                            "account {account} does not exist ({} accounts)",
                            shape.accounts
                        ),
                    ));
                }
            }
            for (f, slot) in [
                ("buyer_slot", tr.buyer_slot),
                ("seller_slot", tr.seller_slot),
            ] {
                if slot >= shape.slots {
                    return Err(err(
                        at(f),
                        format!("slot {slot} does not exist ({} slots)", shape.slots),
                    ));
                }
            }
            match tr.instrument {
                Instrument::Empty => {
                    return Err(err(at("instrument"), "a trade needs an instrument"))
                }
                Instrument::Option(k) if k >= shape.series => {
                    return Err(err(
                        at("instrument"),
                        format!("option series {k} does not exist"),
                    ))
                }
                _ => {}
            }
            if tr.quantity >= 1 << QTY_BITS {
                return Err(err(at("quantity"), "at most 2^24 contracts per trade"));
            }
        }
        let mut seen = vec![false; shape.accounts];
        for (l, &account) in self.liquidations.iter().enumerate() {
            let at = format!("batch.liquidations[{l}]");
            if account >= shape.accounts {
                return Err(err(at, format!("account {account} does not exist")));
            }
            if std::mem::replace(&mut seen[account], true) {
                return Err(err(at, format!("account {account} is liquidated twice")));
            }
        }
        Ok(())
    }
}
