//! The JSON a prover node hands `kiln batch prove`: the state the batch applies to and the
//! batch. Amounts are decimal strings (exact, rounded to the nearest unit of their fixed-point
//! type); times are integer seconds since the Unix epoch; a malformed value is an error that names
//! its field (`batch.trades[3].price: ...`).
//!
//! ```json
//! { "state": { "accounts": [ { "collateral": "10000",
//!                              "positions": [ { "instrument": "perp", "size": "-1.5", "entry": "100" } ] } ],
//!              "insurance_fund": "0" },
//!   "batch": { "id": 7, "time": 1767225600,
//!              "market": { "timestamp": 1767225590, "spot": "100.25", "rate": "0.05", "perp_risk": "0.05",
//!                          "series": [ { "kind": "call", "strike": "100", "expiry": 1769817600,
//!                                        "volatility": "0.6", "risk": "0.15" } ] },
//!              "trades": [ { "buyer": 0, "buyer_slot": 0, "seller": 1, "seller_slot": 0,
//!                            "instrument": "option:0", "quantity": "2", "price": "8.5" } ],
//!              "liquidations": [ 3 ] } }
//! ```
//!
//! Accounts may hold fewer positions than the circuit's slots (the rest are empty), and there
//! may be fewer accounts than the circuit's (the rest are empty, with no collateral).

use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use serde_json::{json, Map, Value};

use crate::model::{Account, Batch, Instrument, Market, Position, Series, Shape, State, Trade};
use crate::units::{FACTOR_FRAC, PRICE_FRAC, SIZE_FRAC, VALUE_FRAC};

/// A malformed input file: the field and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct JsonError {
    pub field: String,
    pub message: String,
}

type Result<T> = std::result::Result<T, JsonError>;

fn bad(field: &str, message: impl Into<String>) -> JsonError {
    JsonError {
        field: field.to_string(),
        message: message.into(),
    }
}

/// The longest decimal kiln reads, so a hostile file cannot make it build huge integers.
const MAX_DECIMAL_LEN: usize = 64;

/// Parses a decimal string (`-12.5`, `0.05`) into the nearest integer multiple of `2^-frac`,
/// rounding halves away from zero.
pub fn parse_decimal(s: &str, frac: u32) -> std::result::Result<i128, String> {
    if s.is_empty() || s.len() > MAX_DECIMAL_LEN {
        return Err(format!(
            "'{s}' is not a decimal number of at most {MAX_DECIMAL_LEN} characters"
        ));
    }
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if int.is_empty() || !ok(int) || !ok(fraction) || (digits.contains('.') && fraction.is_empty())
    {
        return Err(format!("'{s}' is not a decimal number"));
    }
    let ten_pow = BigUint::from(10u32).pow(fraction.len() as u32);
    let numerator: BigUint = format!("{int}{fraction}").parse().expect("digits");
    let scaled = (numerator << frac as usize) * 2u32 + &ten_pow;
    let (rounded, _) = scaled.div_rem(&(ten_pow * 2u32));
    let value =
        i128::try_from(BigInt::from(rounded)).map_err(|_| format!("'{s}' is far too large"))?;
    Ok(if negative { -value } else { value })
}

/// Formats a raw fixed-point integer as a decimal with enough digits to be exact.
pub fn format_decimal(raw: i128, frac: u32) -> String {
    let negative = raw < 0;
    let mag = raw.unsigned_abs();
    let int = mag >> frac;
    let mut rest = mag & ((1u128 << frac) - 1);
    let mut digits = String::new();
    // Each step multiplies by 10 and takes the integer part: exact after `frac` digits.
    while rest != 0 {
        let wide = BigUint::from(rest) * 10u32;
        let d: BigUint = &wide >> frac as usize;
        digits.push(char::from(b'0' + u8::try_from(d).expect("a digit")));
        rest =
            u128::try_from(wide & ((BigUint::from(1u32) << frac as usize) - 1u32)).expect("fits");
    }
    let sign = if negative && (int != 0 || !digits.is_empty()) {
        "-"
    } else {
        ""
    };
    if digits.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{digits}")
    }
}

struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn new(v: &'a Value, path: &str) -> Result<Self> {
        match v.as_object() {
            Some(map) => Ok(Obj {
                map,
                path: path.to_string(),
            }),
            None => Err(bad(path, "expected an object")),
        }
    }

    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn get(&self, key: &str) -> Result<&'a Value> {
        self.map
            .get(key)
            .ok_or_else(|| bad(&self.at(key), "missing"))
    }

    fn decimal(&self, key: &str, frac: u32) -> Result<i128> {
        let v = self.get(key)?;
        let s = v
            .as_str()
            .ok_or_else(|| bad(&self.at(key), "expected a decimal string"))?;
        parse_decimal(s, frac).map_err(|m| bad(&self.at(key), m))
    }

    fn unsigned(&self, key: &str, frac: u32, max_bits: u32) -> Result<u64> {
        let v = self.decimal(key, frac)?;
        if v < 0 || v >= 1i128 << max_bits {
            return Err(bad(
                &self.at(key),
                format!("must be at least 0 and below 2^{}", max_bits - frac),
            ));
        }
        Ok(v as u64)
    }

    fn integer(&self, key: &str) -> Result<u64> {
        self.get(key)?
            .as_u64()
            .ok_or_else(|| bad(&self.at(key), "expected a non-negative whole number"))
    }

    fn index(&self, key: &str) -> Result<usize> {
        let v = self.integer(key)?;
        usize::try_from(v).map_err(|_| bad(&self.at(key), "too large"))
    }

    fn array(&self, key: &str) -> Result<&'a Vec<Value>> {
        self.get(key)?
            .as_array()
            .ok_or_else(|| bad(&self.at(key), "expected an array"))
    }

    fn array_or_empty(&self, key: &str) -> Result<&'a [Value]> {
        match self.map.get(key) {
            None => Ok(&[]),
            Some(v) => v
                .as_array()
                .map(|a| a.as_slice())
                .ok_or_else(|| bad(&self.at(key), "expected an array")),
        }
    }

    /// Refuses keys that are not in `known`, so a typo is not silently ignored.
    fn only(&self, known: &[&str]) -> Result<()> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(bad(
                &self.at(k),
                format!("unknown field (expected one of: {})", known.join(", ")),
            )),
            None => Ok(()),
        }
    }
}

fn instrument(v: &Value, field: &str) -> Result<Instrument> {
    let s = v
        .as_str()
        .ok_or_else(|| bad(field, "expected \"perp\" or \"option:K\""))?;
    match s {
        "perp" => Ok(Instrument::Perpetual),
        "none" => Ok(Instrument::Empty),
        _ => s
            .strip_prefix("option:")
            .and_then(|k| k.parse::<usize>().ok())
            .map(Instrument::Option)
            .ok_or_else(|| {
                bad(
                    field,
                    format!("'{s}' is not \"perp\", \"none\" or \"option:K\""),
                )
            }),
    }
}

fn instrument_name(i: Instrument) -> String {
    match i {
        Instrument::Empty => "none".into(),
        Instrument::Perpetual => "perp".into(),
        Instrument::Option(k) => format!("option:{k}"),
    }
}

fn read_state(v: &Value, shape: &Shape) -> Result<State> {
    let o = Obj::new(v, "state")?;
    o.only(&["accounts", "insurance_fund"])?;
    let list = o.array("accounts")?;
    if list.len() > shape.accounts {
        return Err(bad(
            &o.at("accounts"),
            format!(
                "{} accounts, but the circuit has {}",
                list.len(),
                shape.accounts
            ),
        ));
    }
    let mut accounts = Vec::with_capacity(shape.accounts);
    for (i, a) in list.iter().enumerate() {
        let ao = Obj::new(a, &format!("state.accounts[{i}]"))?;
        ao.only(&["collateral", "positions"])?;
        let collateral = ao.decimal("collateral", VALUE_FRAC)?;
        let plist = ao.array_or_empty("positions")?;
        if plist.len() > shape.slots {
            return Err(bad(
                &ao.at("positions"),
                format!(
                    "{} positions, but accounts have {} slots",
                    plist.len(),
                    shape.slots
                ),
            ));
        }
        let mut positions = Vec::with_capacity(shape.slots);
        for (j, p) in plist.iter().enumerate() {
            let po = Obj::new(p, &format!("state.accounts[{i}].positions[{j}]"))?;
            po.only(&["instrument", "size", "entry"])?;
            let size = po.decimal("size", SIZE_FRAC)?;
            positions.push(Position {
                instrument: instrument(po.get("instrument")?, &po.at("instrument"))?,
                size: i64::try_from(size).map_err(|_| bad(&po.at("size"), "far too large"))?,
                entry: po.unsigned("entry", PRICE_FRAC, 64)?,
            });
        }
        positions.resize(shape.slots, Position::EMPTY);
        accounts.push(Account {
            collateral,
            positions,
        });
    }
    accounts.resize(shape.accounts, Account::empty(shape.slots));
    let insurance_fund = match o.map.get("insurance_fund") {
        None => 0,
        Some(_) => o.decimal("insurance_fund", VALUE_FRAC)?,
    };
    let state = State {
        accounts,
        insurance_fund,
    };
    state.check(shape).map_err(|e| bad(&e.field, e.message))?;
    Ok(state)
}

fn read_batch(v: &Value, shape: &Shape) -> Result<Batch> {
    let o = Obj::new(v, "batch")?;
    o.only(&["id", "time", "market", "trades", "liquidations"])?;
    let mo = Obj::new(o.get("market")?, "batch.market")?;
    mo.only(&["timestamp", "spot", "rate", "perp_risk", "series"])?;
    let mut series = Vec::new();
    for (k, s) in mo.array_or_empty("series")?.iter().enumerate() {
        let so = Obj::new(s, &format!("batch.market.series[{k}]"))?;
        so.only(&["kind", "strike", "expiry", "volatility", "risk"])?;
        let put = match so.get("kind")?.as_str() {
            Some("call") => false,
            Some("put") => true,
            _ => return Err(bad(&so.at("kind"), "expected \"call\" or \"put\"")),
        };
        series.push(Series {
            put,
            strike: so.unsigned("strike", PRICE_FRAC, 64)?,
            expiry: so.integer("expiry")?,
            volatility: so.unsigned("volatility", PRICE_FRAC, 64)?,
            risk: so.unsigned("risk", FACTOR_FRAC, 64)?,
        });
    }
    let market = Market {
        timestamp: mo.integer("timestamp")?,
        spot: mo.unsigned("spot", PRICE_FRAC, 64)?,
        rate: mo.unsigned("rate", PRICE_FRAC, 64)?,
        perp_risk: mo.unsigned("perp_risk", FACTOR_FRAC, 64)?,
        series,
    };
    let mut trades = Vec::new();
    for (t, tr) in o.array_or_empty("trades")?.iter().enumerate() {
        let to = Obj::new(tr, &format!("batch.trades[{t}]"))?;
        to.only(&[
            "buyer",
            "buyer_slot",
            "seller",
            "seller_slot",
            "instrument",
            "quantity",
            "price",
        ])?;
        trades.push(Trade {
            buyer: to.index("buyer")?,
            buyer_slot: to.index("buyer_slot")?,
            seller: to.index("seller")?,
            seller_slot: to.index("seller_slot")?,
            instrument: instrument(to.get("instrument")?, &to.at("instrument"))?,
            quantity: to.unsigned("quantity", SIZE_FRAC, 64)?,
            price: to.unsigned("price", PRICE_FRAC, 64)?,
        });
    }
    let mut liquidations = Vec::new();
    for (l, v) in o.array_or_empty("liquidations")?.iter().enumerate() {
        let at = format!("batch.liquidations[{l}]");
        let i = v
            .as_u64()
            .ok_or_else(|| bad(&at, "expected an account number"))?;
        liquidations.push(usize::try_from(i).map_err(|_| bad(&at, "too large"))?);
    }
    let batch = Batch {
        id: o.integer("id")?,
        time: o.integer("time")?,
        market,
        trades,
        liquidations,
    };
    batch.check(shape).map_err(|e| bad(&e.field, e.message))?;
    Ok(batch)
}

/// Reads `{"state": ..., "batch": ...}`.
pub fn read_input(v: &Value, shape: &Shape) -> Result<(State, Batch)> {
    let o = Obj::new(v, "input")?;
    let top = |k: &str| o.map.get(k).ok_or_else(|| bad(k, "missing"));
    if let Some(k) = o.map.keys().find(|k| *k != "state" && *k != "batch") {
        return Err(bad(k, "unknown field (expected \"state\" and \"batch\")"));
    }
    Ok((
        read_state(top("state")?, shape)?,
        read_batch(top("batch")?, shape)?,
    ))
}

/// A state as JSON, in the input format (the next batch's `state`).
pub fn state_to_json(state: &State) -> Value {
    json!({
        "accounts": state.accounts.iter().map(|a| json!({
            "collateral": format_decimal(a.collateral, VALUE_FRAC),
            "positions": a.positions.iter().map(|p| json!({
                "instrument": instrument_name(p.instrument),
                "size": format_decimal(i128::from(p.size), SIZE_FRAC),
                "entry": format_decimal(i128::from(p.entry), PRICE_FRAC),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "insurance_fund": format_decimal(state.insurance_fund, VALUE_FRAC),
    })
}

/// A batch as JSON, in the input format.
pub fn batch_to_json(batch: &Batch) -> Value {
    let m = &batch.market;
    json!({
        "id": batch.id,
        "time": batch.time,
        "market": {
            "timestamp": m.timestamp,
            "spot": format_decimal(m.spot.into(), PRICE_FRAC),
            "rate": format_decimal(m.rate.into(), PRICE_FRAC),
            "perp_risk": format_decimal(m.perp_risk.into(), FACTOR_FRAC),
            "series": m.series.iter().map(|s| json!({
                "kind": if s.put { "put" } else { "call" },
                "strike": format_decimal(s.strike.into(), PRICE_FRAC),
                "expiry": s.expiry,
                "volatility": format_decimal(s.volatility.into(), PRICE_FRAC),
                "risk": format_decimal(s.risk.into(), FACTOR_FRAC),
            })).collect::<Vec<_>>(),
        },
        "trades": batch.trades.iter().map(|t| json!({
            "buyer": t.buyer, "buyer_slot": t.buyer_slot,
            "seller": t.seller, "seller_slot": t.seller_slot,
            "instrument": instrument_name(t.instrument),
            "quantity": format_decimal(t.quantity.into(), SIZE_FRAC),
            "price": format_decimal(t.price.into(), PRICE_FRAC),
        })).collect::<Vec<_>>(),
        "liquidations": batch.liquidations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_trip_and_round_to_the_nearest_unit() {
        assert_eq!(parse_decimal("1", 8), Ok(256));
        assert_eq!(parse_decimal("-1.5", 8), Ok(-384));
        assert_eq!(parse_decimal("0.05", 16), Ok(3277)); // 3276.8
        assert_eq!(parse_decimal("100.25", 32), Ok(100 * (1 << 32) + (1 << 30)));
        for bad in ["", "1.", ".5", "1e5", "--1", "0x10", "1.2.3", " 1"] {
            assert!(parse_decimal(bad, 8).is_err(), "{bad:?}");
        }
        assert!(parse_decimal(&"9".repeat(60), 32).is_err());
        for raw in [0i128, 1, -1, 384, -384, 12345678901234, -(1 << 40) + 7] {
            for frac in [8, 16, 32, 40] {
                let s = format_decimal(raw, frac);
                assert_eq!(parse_decimal(&s, frac), Ok(raw), "{raw} at {frac}: {s}");
            }
        }
        assert_eq!(format_decimal(-384, 8), "-1.5");
    }
}
