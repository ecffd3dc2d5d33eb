//! snarkjs's input.json flattened into circom's input signals, as `witness_calculator.js`'s
//! `qualify_input` does: nested objects become `a.b`, arrays of objects `a[0].b`, and arrays of
//! numbers (any depth) one signal with its values in row-major order.

use num_bigint::{BigInt, BigUint, Sign};
use serde_json::Value;

use crate::WitnessError;

/// One input signal: its qualified name and its values, already reduced to `0..p` by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSignal {
    pub name: String,
    pub values: Vec<BigUint>,
}

/// The input signals of `input`, which must be a JSON object.
pub fn flatten_inputs(input: &Value) -> Result<Vec<InputSignal>, WitnessError> {
    let Value::Object(_) = input else {
        return Err(WitnessError::Input(
            "the input must be a JSON object of signal names".into(),
        ));
    };
    let mut out = Vec::new();
    qualify("", input, &mut out)?;
    Ok(out)
}

fn qualify(prefix: &str, v: &Value, out: &mut Vec<InputSignal>) -> Result<(), WitnessError> {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                qualify(&name, v, out)?;
            }
            Ok(())
        }
        Value::Array(items) if items.iter().any(|i| matches!(i, Value::Object(_))) => {
            for (i, item) in items.iter().enumerate() {
                qualify(&format!("{prefix}[{i}]"), item, out)?;
            }
            Ok(())
        }
        _ => {
            let mut values = Vec::new();
            flatten(prefix, v, &mut values)?;
            out.push(InputSignal {
                name: prefix.to_string(),
                values,
            });
            Ok(())
        }
    }
}

fn flatten(name: &str, v: &Value, out: &mut Vec<BigUint>) -> Result<(), WitnessError> {
    match v {
        Value::Array(items) => items.iter().try_for_each(|i| flatten(name, i, out)),
        _ => {
            out.push(number(name, v)?);
            Ok(())
        }
    }
}

/// A value as the field sees it: JSON integers, decimal or 0x-hex strings (negative values
/// taken modulo BN254's scalar field, as `BigInt(n) % prime` does), booleans as 0 and 1.
fn number(name: &str, v: &Value) -> Result<BigUint, WitnessError> {
    let bad = || WitnessError::Input(format!("input signal `{name}`: {v} is not an integer"));
    let int: BigInt = match v {
        Value::Bool(b) => BigInt::from(u8::from(*b)),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => BigInt::from(u),
            (_, Some(i)) => BigInt::from(i),
            _ => return Err(bad()),
        },
        Value::String(s) => {
            let (negative, digits) = match s.trim().strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, s.trim()),
            };
            let magnitude = match digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0X"))
            {
                Some(hex) => BigUint::parse_bytes(hex.as_bytes(), 16),
                None => BigUint::parse_bytes(digits.as_bytes(), 10),
            }
            .ok_or_else(bad)?;
            BigInt::from_biguint(if negative { Sign::Minus } else { Sign::Plus }, magnitude)
        }
        _ => return Err(bad()),
    };
    let p = BigInt::from_biguint(Sign::Plus, crate::bn254_prime());
    let reduced = ((int % &p) + &p) % &p;
    Ok(reduced.to_biguint().expect("reduced into 0..p"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_inputs_are_qualified_as_circom_does() {
        let signals = flatten_inputs(
            &json!({"a": "3", "m": [[1, 2], [3, 4]], "s": {"x": 5}, "l": [{"y": 6}, {"y": -1}]}),
        )
        .unwrap();
        let names: Vec<_> = signals.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "l[0].y", "l[1].y", "m", "s.x"]);
        assert_eq!(signals[3].values, [1u32, 2, 3, 4].map(BigUint::from));
        assert_eq!(signals[2].values[0], crate::bn254_prime() - 1u32);
    }

    #[test]
    fn non_numbers_are_refused_by_name() {
        let err = flatten_inputs(&json!({"a": "x1"})).unwrap_err().to_string();
        assert!(err.contains("`a`"), "{err}");
        assert!(flatten_inputs(&json!([1])).is_err());
    }
}
