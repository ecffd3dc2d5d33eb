//! `kiln batch` as a prover node runs it: a sample input, proven with both systems, the outputs
//! accepted by snarkjs; malformed inputs and rejected batches exit 2 naming the field or rule and
//! write nothing.

mod support;

use kiln_circuits::model::Shape;
use serde_json::Value;
use support::interop::{read_json, text, write_json, Env};
use support::scratch::scratch;

use support::interop::{batch_example as example, batch_prove as prove};

#[test]
fn a_sample_batch_is_proven_with_both_systems_and_snarkjs_accepts_the_proofs() {
    let dir = scratch("batch-cli-prove");
    let input = example(&dir, "0x5eed");
    let out = dir.join("proof");
    let o = prove(&input, &out, &["--backend", "cpu"]);
    assert!(o.status.success(), "{}", text(&o));
    let printed = text(&o);
    assert!(
        printed.contains("groth16 and plonk agree on the new state root"),
        "{printed}"
    );
    let roots = read_json(&out.join("roots.json"));
    let public = read_json(&out.join("public.json"));
    assert_eq!(public, serde_json::json!([roots["public"]]));
    // The new state is a valid input for the next batch.
    let next: Value = read_json(&out.join("new_state.json"));
    assert_eq!(
        next["accounts"].as_array().unwrap().len(),
        Shape::TEST.accounts
    );

    // snarkjs checks both proofs with the verification keys kiln wrote.
    let Some(env) = Env::get("batch proofs through snarkjs") else {
        return;
    };
    for system in ["groth16", "plonk"] {
        let o = env.snarkjs(&[
            system.to_string(),
            "verify".to_string(),
            out.join(format!("{system}_verification_key.json"))
                .display()
                .to_string(),
            out.join("public.json").display().to_string(),
            out.join(format!("{system}_proof.json"))
                .display()
                .to_string(),
        ]);
        assert!(
            o.status.success() && text(&o).contains("OK!"),
            "snarkjs {system} verify: {}",
            text(&o)
        );
    }
}

#[test]
fn malformed_inputs_and_rejected_batches_exit_2_and_write_nothing() {
    let dir = scratch("batch-cli-refuse");
    let input = example(&dir, "0x7");
    let good: Value = read_json(&input);
    let out = dir.join("out");
    let cases: Vec<(&str, Box<dyn Fn(&mut Value)>, &str)> = vec![
        (
            "a price that is not a number",
            Box::new(|v| v["batch"]["trades"][0]["price"] = "12,5".into()),
            "batch.trades[0].price",
        ),
        (
            "an account that does not exist",
            Box::new(|v| v["batch"]["trades"][1]["seller"] = 99.into()),
            "batch.trades[1].seller",
        ),
        (
            "a missing market",
            Box::new(|v| {
                v["batch"].as_object_mut().unwrap().remove("market");
            }),
            "batch.market",
        ),
        (
            "an unknown field",
            Box::new(|v| v["batch"]["trades"][0]["fee"] = "1".into()),
            "batch.trades[0].fee",
        ),
        (
            "a stale price",
            Box::new(|v| {
                let t = v["batch"]["time"].as_u64().unwrap();
                v["batch"]["market"]["timestamp"] = (t - 3600).into();
            }),
            "stale price",
        ),
        (
            "an under-margined trade",
            Box::new(|v| v["batch"]["trades"][0]["quantity"] = "16000000".into()),
            "below its maintenance margin",
        ),
        (
            "liquidating a healthy account",
            Box::new(|v| v["batch"]["liquidations"] = serde_json::json!([0])),
            "cannot be liquidated",
        ),
    ];
    for (what, change, needle) in cases {
        let mut v = good.clone();
        change(&mut v);
        let bad = dir.join("bad.json");
        write_json(&bad, &v);
        let o = prove(&bad, &out, &["--backend", "cpu"]);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", text(&o));
        assert!(
            text(&o).contains(needle),
            "{what}: expected '{needle}' in: {}",
            text(&o)
        );
        assert!(!out.exists(), "{what}: outputs were written");
    }
}
