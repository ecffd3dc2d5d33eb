//! Fixed-point units and the bounds every stored or traded value must respect.
//!
//! | quantity | unit (raw integer = value x 2^frac) | bound on the raw value |
//! | --- | --- | --- |
//! | price (trade, entry, spot, strike, option mark) | 2^-32 quote currency | `[0, 2^56)` |
//! | position size (signed), trade quantity | 2^-8 contracts | `abs(size) < 2^40`, `0 < qty < 2^32` |
//! | collateral, profit and loss (signed) | 2^-40 quote currency (= size unit x price unit) | `abs < 2^100` |
//! | risk factor (maintenance margin per unit notional) | 2^-16 | `[0, 2^16]` |
//! | volatility, rate, time to expiry | 2^-32 | see `pricing` |
//!
//! Size x price is a collateral amount with no rescaling, so trading profit and loss is exact;
//! only the margin requirement (a factor x a notional) is rounded, up, against the account.

/// Fractional bits of prices.
pub const PRICE_FRAC: u32 = 32;
/// Fractional bits of sizes and quantities.
pub const SIZE_FRAC: u32 = 8;
/// Fractional bits of collateral amounts: `SIZE_FRAC + PRICE_FRAC`.
pub const VALUE_FRAC: u32 = SIZE_FRAC + PRICE_FRAC;
/// Fractional bits of risk factors.
pub const FACTOR_FRAC: u32 = 16;

/// Prices are below `2^PRICE_BITS` (2^24 = 16.7 million in currency units).
pub const PRICE_BITS: u32 = 56;
/// Trade quantities are below `2^QTY_BITS` (16.7 million contracts).
pub const QTY_BITS: u32 = 32;
/// Sizes are signed `SIZE_BITS`-bit values.
pub const SIZE_BITS: u32 = 41;
/// Collateral and the insurance fund are signed `VALUE_BITS`-bit values (2^59 currency units).
pub const VALUE_BITS: u32 = 101;
/// Margin comparisons see differences well inside this many signed bits.
pub const MARGIN_BITS: u32 = 112;
/// Factors are at most `2^FACTOR_FRAC` (100%).
pub const FACTOR_BITS: u32 = FACTOR_FRAC + 1;
/// Risk amounts before rounding (factor x size x price) stay below this many bits.
pub const RISK_BITS: u32 = FACTOR_BITS + SIZE_BITS + PRICE_BITS + 8;

/// The most seconds a market snapshot may be older than the batch it prices.
pub const MAX_PRICE_AGE_SECONDS: u64 = 60;
/// Trading in a series stops this long before its expiry; it must be settled once expired.
pub const EXPIRY_HALT_SECONDS: u64 = 3600;
/// Seconds per year for times to expiry (365 days).
pub const SECONDS_PER_YEAR: u64 = 31_536_000;
/// Timestamps are below `2^TIME_BITS` seconds.
pub const TIME_BITS: u32 = 40;

/// A decimal amount in a unit with `frac` fractional bits, for display.
pub fn to_f64(raw: i128, frac: u32) -> f64 {
    raw as f64 / (1u128 << frac) as f64
}
