//! `kiln serve` on SQLite, as real processes driven by the client commands (`kiln key`,
//! `kiln job`) and raw HTTP: keys and jobs end to end (Groth16 and PLONK, witnesses and circom
//! inputs), every proof checked by `kiln verify`; idempotent resubmission; cancellation of
//! queued and running jobs; a failing witness; malformed uploads refused with a 4xx naming the
//! problem and leaving nothing behind; API keys; a node killed mid-proof and restarted resumes
//! its queued and running jobs, losing none and proving none twice.
//!
//! The circuit is the interop fixtures' multiplier (`KILN_FIXTURES`, built by `make test`).

mod support;

use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;
use support::interop::text;
use support::scratch::scratch;
use support::serve::{
    client, client_json, poll_job, submit_witness, upload_key, verify_job, wait_job, Multiplier,
    Node,
};

/// Raw HTTP, for requests the client commands never make.
fn http(
    method: reqwest::Method,
    url: &str,
    key: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut r = reqwest::Client::new()
            .request(method, url)
            .header("content-type", content_type)
            .body(body);
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        let response = r.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    })
}

fn error_of(v: &Value) -> &str {
    v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message in {v}"))
}

fn new_submit_key(node: &Node) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["apikey", "create", "--role", "submit", "--data"])
        .arg(&node.data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

#[test]
fn keys_and_jobs_end_to_end() {
    let Some(m) = Multiplier::get("kiln serve end to end") else {
        return;
    };
    let dir = scratch("e2e");
    // A key memory budget of 0: each key loaded unloads the other (least recently used first),
    // so the device holds only the key of its last job.
    let node = Node::start(
        &dir.join("node"),
        &["--backend", "cpu", "--key-memory-mb", "0"],
    );
    let admin = node.admin_key();
    let submit = new_submit_key(&node);

    let groth16 = upload_key(&node, &admin, &m.groth16_zkey(), Some(&m.wasm()));
    // Content-addressed: the id is the file's SHA-256, and uploading it again changes nothing.
    let digest = {
        let o = Command::new("sha256sum")
            .arg(m.groth16_zkey())
            .output()
            .unwrap();
        String::from_utf8(o.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(groth16, digest);
    assert_eq!(upload_key(&node, &admin, &m.groth16_zkey(), None), groth16);
    let plonk = upload_key(&node, &admin, &m.plonk_zkey(), None);
    let keys = client_json(&node, &submit, &["key", "list"]);
    assert_eq!(keys.as_array().unwrap().len(), 2, "{keys}");

    // A witness, and circom inputs computed by the uploaded calculator.
    let w = m.witness(&dir, 6, 7);
    let job = client_json(
        &node,
        &submit,
        &[
            "job",
            "submit",
            "--key",
            &groth16,
            "--witness",
            w.to_str().unwrap(),
        ],
    );
    let public = verify_job(&node, &submit, job["id"].as_str().unwrap(), &m.vk(), &dir);
    assert_eq!(public, serde_json::json!(["42"]));
    let input = dir.join("input.json");
    std::fs::write(&input, r#"{"a": "5", "b": 9}"#).unwrap();
    let job = client_json(
        &node,
        &submit,
        &[
            "job",
            "submit",
            "--key",
            &groth16,
            "--input",
            input.to_str().unwrap(),
        ],
    );
    assert_eq!(job["input_kind"], "inputs");
    assert_eq!(
        verify_job(&node, &submit, job["id"].as_str().unwrap(), &m.vk(), &dir),
        serde_json::json!(["45"])
    );

    // PLONK, with the verification key the node hands out.
    let vk = dir.join("plonk_vk.json");
    client(
        &node,
        &submit,
        &["key", "vk", &plonk, "--out", vk.to_str().unwrap()],
    );
    let job = client_json(
        &node,
        &submit,
        &[
            "job",
            "submit",
            "--key",
            &plonk,
            "--witness",
            w.to_str().unwrap(),
        ],
    );
    assert_eq!(
        verify_job(&node, &submit, job["id"].as_str().unwrap(), &vk, &dir),
        serde_json::json!(["42"])
    );

    // Idempotent resubmission returns the first job.
    let first = client_json(
        &node,
        &submit,
        &[
            "job",
            "submit",
            "--key",
            &groth16,
            "--witness",
            w.to_str().unwrap(),
            "--idempotency-key",
            "order-17",
        ],
    );
    let again = client_json(
        &node,
        &submit,
        &[
            "job",
            "submit",
            "--key",
            &groth16,
            "--witness",
            w.to_str().unwrap(),
            "--idempotency-key",
            "order-17",
        ],
    );
    assert_eq!(first["id"], again["id"]);
    assert_eq!(
        wait_job(&node, &submit, first["id"].as_str().unwrap(), 60)["state"],
        "succeeded"
    );

    // A witness that does not satisfy the circuit (c != a * b) fails at once: not retried.
    let mut bad = kiln_prover::iden3::wtns::read_wtns_file(&w).unwrap();
    bad[1] += ark_bn254::Fr::from(1u64);
    let bad_path = dir.join("bad.wtns");
    kiln_prover::iden3::wtns::write_wtns(&bad, std::fs::File::create(&bad_path).unwrap()).unwrap();
    let job = client_json(
        &node,
        &submit,
        &[
            "job",
            "submit",
            "--key",
            &groth16,
            "--witness",
            bad_path.to_str().unwrap(),
        ],
    );
    let done = wait_job(&node, &submit, job["id"].as_str().unwrap(), 60);
    assert_eq!(done["state"], "failed", "{done}");
    assert_eq!(done["attempts"], 1, "{done}");
    assert_eq!(done["failure_reason"], "witness", "{done}");
    assert!(
        done["error"].as_str().unwrap().contains("does not satisfy"),
        "{done}"
    );

    // Lists, filters, and what the node counted.
    let failed = client_json(&node, &submit, &["job", "list", "--state", "failed"]);
    assert_eq!(failed.as_array().unwrap().len(), 1, "{failed}");
    let of_plonk = client_json(&node, &submit, &["job", "list", "--key", &plonk]);
    assert_eq!(of_plonk.as_array().unwrap().len(), 1, "{of_plonk}");
    assert_eq!(node.metric("kiln_jobs_finished_total"), 5.0);
    assert_eq!(node.metric("kiln_job_failures_total"), 1.0);
    let groth16_bytes = std::fs::metadata(m.groth16_zkey()).unwrap().len() as f64;
    assert_eq!(
        node.metric("kiln_resident_key_bytes"),
        groth16_bytes,
        "only the last job's key is resident"
    );
    assert!(node.metric("kiln_proving_seconds_count") >= 4.0);

    // A key with open jobs cannot be deleted; one without can, and its file goes too.
    let o = client(&node, &admin, &["key", "delete", &plonk]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!node.data.join(format!("keys/{plonk}.zkey")).exists());
    assert_eq!(
        client_json(&node, &submit, &["key", "list"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn cancellation_of_queued_and_running_jobs() {
    let Some(m) = Multiplier::get("kiln serve cancellation") else {
        return;
    };
    let dir = scratch("cancel");
    // Each attempt spends 3 s in its proving stage, so there is a running job to cancel.
    let node = Node::start(
        &dir.join("node"),
        &["--backend", "cpu", "--test-prove-delay-ms", "3000"],
    );
    let admin = node.admin_key();
    let key = upload_key(&node, &admin, &m.groth16_zkey(), None);
    let w = m.witness(&dir, 2, 3);
    let submit = |_: ()| submit_witness(&node, &admin, &key, &w);
    let running = submit(());
    let queued = submit(());
    poll_job(&node, &admin, &running, "running", |j| {
        j["state"] == "running"
    });
    let after = client_json(&node, &admin, &["job", "cancel", &queued]);
    assert_eq!(
        after["state"], "cancelled",
        "a queued job is cancelled at once: {after}"
    );
    let after = client_json(&node, &admin, &["job", "cancel", &running]);
    assert_eq!(after["cancel_requested"], true, "{after}");
    let done = wait_job(&node, &admin, &running, 30);
    assert_eq!(done["state"], "cancelled", "{done}");
    let o = client(&node, &admin, &["job", "wait", &running, "--timeout", "1"]);
    assert_eq!(o.status.code(), Some(1), "wait on a cancelled job exits 1");
    // No result for a cancelled job.
    let (status, body) = http(
        reqwest::Method::GET,
        &format!("{}/v1/jobs/{running}/result", node.url),
        Some(&admin),
        "text/plain",
        vec![],
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[test]
fn malformed_requests_are_refused_and_leave_nothing() {
    let Some(m) = Multiplier::get("kiln serve malformed requests") else {
        return;
    };
    let dir = scratch("malformed");
    // No workers: what is accepted stays queued, so nothing else changes the tables.
    let node = Node::start(
        &dir.join("node"),
        &[
            "--backend",
            "none",
            "--max-body-mb",
            "1",
            "--max-key-mb",
            "1",
        ],
    );
    let admin = node.admin_key();
    let submit = new_submit_key(&node);
    let url = |p: &str| format!("{}{p}", node.url);
    let post = reqwest::Method::POST;

    // API keys: none, unknown, or too weak.
    let zkey = std::fs::read(m.groth16_zkey()).unwrap();
    let (s, b) = http(
        post.clone(),
        &url("/v1/keys"),
        None,
        "application/octet-stream",
        zkey.clone(),
    );
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    let (s, b) = http(
        post.clone(),
        &url("/v1/keys"),
        Some("kiln_not_a_key"),
        "application/octet-stream",
        zkey.clone(),
    );
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    let (s, b) = http(
        post.clone(),
        &url("/v1/keys"),
        Some(&submit),
        "application/octet-stream",
        zkey.clone(),
    );
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = http(
        reqwest::Method::GET,
        &url("/v1/jobs"),
        None,
        "text/plain",
        vec![],
    );
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");

    // A bad zkey: garbage, and a real key cut short. A key over the upload limit.
    let (s, b) = http(
        post.clone(),
        &url("/v1/keys"),
        Some(&admin),
        "application/octet-stream",
        b"zkey? no".to_vec(),
    );
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(error_of(&b).contains("not a valid proving key"), "{b}");
    let (s, b) = http(
        post.clone(),
        &url("/v1/keys"),
        Some(&admin),
        "application/octet-stream",
        zkey[..zkey.len() / 2].to_vec(),
    );
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, b) = http(
        post.clone(),
        &url("/v1/keys"),
        Some(&admin),
        "application/octet-stream",
        vec![7u8; (1 << 20) + 1],
    );
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    assert!(error_of(&b).contains("over the limit"), "{b}");
    assert_eq!(
        client_json(&node, &admin, &["key", "list"]),
        serde_json::json!([])
    );
    let leftovers: Vec<_> = std::fs::read_dir(node.data.join("keys")).unwrap().collect();
    assert!(
        leftovers.is_empty(),
        "refused uploads left files: {leftovers:?}"
    );

    let key = upload_key(&node, &admin, &m.groth16_zkey(), None);
    let jobs = |key: &str| url(&format!("/v1/jobs?key={key}"));
    // A witness of the wrong length, a witness that is not one, a body over the limit, JSON
    // that does not parse, inputs for a key without a calculator, an unknown key.
    let w = kiln_prover::iden3::wtns::read_wtns_file(&m.witness(&dir, 2, 5)).unwrap();
    let mut short = Vec::new();
    kiln_prover::iden3::wtns::write_wtns(&w[..w.len() - 1], &mut short).unwrap();
    let (s, b) = http(
        post.clone(),
        &jobs(&key),
        Some(&submit),
        "application/octet-stream",
        short,
    );
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(error_of(&b).contains("values but key"), "{b}");
    let (s, b) = http(
        post.clone(),
        &jobs(&key),
        Some(&submit),
        "application/octet-stream",
        b"wtns".to_vec(),
    );
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(error_of(&b).contains("not a valid .wtns"), "{b}");
    let (s, b) = http(
        post.clone(),
        &jobs(&key),
        Some(&submit),
        "application/octet-stream",
        vec![0u8; (1 << 20) + 1],
    );
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    let (s, b) = http(
        post.clone(),
        &jobs(&key),
        Some(&submit),
        "application/json",
        b"{\"a\": 3,".to_vec(),
    );
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(error_of(&b).contains("not valid JSON"), "{b}");
    let (s, b) = http(
        post.clone(),
        &jobs(&key),
        Some(&submit),
        "application/json",
        b"{\"a\": 3, \"b\": 4}".to_vec(),
    );
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(error_of(&b).contains("no witness calculator"), "{b}");
    let (s, b) = http(
        post.clone(),
        &jobs("00ff"),
        Some(&submit),
        "application/octet-stream",
        vec![1],
    );
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    // A calculator that is not one.
    let (s, b) = http(
        reqwest::Method::PUT,
        &url(&format!("/v1/keys/{key}/calculator")),
        Some(&admin),
        "application/wasm",
        b"\0asm junk".to_vec(),
    );
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(
        error_of(&b).contains("not a circom witness calculator"),
        "{b}"
    );
    assert_eq!(
        client_json(&node, &admin, &["job", "list"]),
        serde_json::json!([]),
        "refused submissions left jobs"
    );

    // A key with a queued job cannot be deleted.
    let w = m.witness(&dir, 4, 4);
    client_json(
        &node,
        &submit,
        &[
            "job",
            "submit",
            "--key",
            &key,
            "--witness",
            w.to_str().unwrap(),
        ],
    );
    let o = client(&node, &admin, &["key", "delete", &key]);
    assert!(
        !o.status.success() && text(&o).contains("queued or running"),
        "{}",
        text(&o)
    );

    // Health, readiness and the queue limit.
    let (s, _) = http(
        reqwest::Method::GET,
        &url("/healthz"),
        None,
        "text/plain",
        vec![],
    );
    assert_eq!(s, StatusCode::OK);
    let (s, _) = http(
        reqwest::Method::GET,
        &url("/readyz"),
        None,
        "text/plain",
        vec![],
    );
    assert_eq!(s, StatusCode::OK);
}

#[test]
fn a_full_queue_answers_429_with_retry_after() {
    let Some(m) = Multiplier::get("kiln serve queue limit") else {
        return;
    };
    let dir = scratch("full");
    let node = Node::start(
        &dir.join("node"),
        &["--backend", "none", "--max-queue", "2"],
    );
    let admin = node.admin_key();
    let key = upload_key(&node, &admin, &m.groth16_zkey(), None);
    let w = std::fs::read(m.witness(&dir, 3, 3)).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let statuses: Vec<(StatusCode, Option<String>)> = (0..3)
        .map(|_| {
            rt.block_on(async {
                let r = reqwest::Client::new()
                    .post(format!("{}/v1/jobs?key={key}", node.url))
                    .bearer_auth(&admin)
                    .body(w.clone())
                    .send()
                    .await
                    .unwrap();
                (
                    r.status(),
                    r.headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_string()),
                )
            })
        })
        .collect();
    assert_eq!(statuses[0].0, StatusCode::CREATED);
    assert_eq!(statuses[1].0, StatusCode::CREATED);
    assert_eq!(
        statuses[2],
        (StatusCode::TOO_MANY_REQUESTS, Some("5".to_string()))
    );
}

/// A node killed (SIGKILL) in the middle of a proof, with jobs queued behind it, and started
/// again on the same database: the running job's lease expires and it is proven again, the
/// queued ones once each; all succeed.
#[test]
fn a_restarted_node_resumes_its_queued_and_running_jobs() {
    let Some(m) = Multiplier::get("kiln serve restart") else {
        return;
    };
    let dir = scratch("restart");
    let data = dir.join("node");
    let mut node = Node::start(
        &data,
        &[
            "--backend",
            "cpu",
            "--lease-s",
            "1",
            "--test-prove-delay-ms",
            "60000",
        ],
    );
    let admin = node.admin_key();
    let key = upload_key(&node, &admin, &m.groth16_zkey(), None);
    let ids: Vec<String> = (1..=5)
        .map(|i| {
            let w = m.witness(&dir, i, 10);
            submit_witness(&node, &admin, &key, &w)
        })
        .collect();
    let running = poll_job(&node, &admin, &ids[0], "running", |j| {
        j["state"] == "running"
    });
    assert_eq!(running["attempts"], 1);
    node.sigkill();

    let node = Node::start(&data, &["--backend", "cpu", "--lease-s", "1"]);
    for (i, id) in ids.iter().enumerate() {
        let public = verify_job(&node, &admin, id, &m.vk(), &dir);
        assert_eq!(public, serde_json::json!([format!("{}", (i + 1) * 10)]));
        let job = client_json(&node, &admin, &["job", "status", id]);
        let expected_attempts = if i == 0 { 2 } else { 1 };
        assert_eq!(job["attempts"], expected_attempts, "{job}");
        if i == 0 {
            assert!(
                job["error_log"][0].as_str().unwrap().contains("expired"),
                "{job}"
            );
        }
    }
    // Proven once each on the restarted node; nothing refused (nothing proved twice).
    assert_eq!(node.metric("kiln_jobs_finished_total"), 5.0);
    assert_eq!(node.metric("kiln_fenced_writes_total"), 0.0);
}

/// The lease and fencing rules at the database layer, on SQLite.
#[test]
fn fencing_on_sqlite() {
    let dir = scratch("fencing");
    let url = format!("sqlite://{}", dir.join("queue.db").display());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(support::queue::check_fencing(&url));
}

/// `kiln prove --wasm --input` (snarkjs's fullprove): the witness computed in-process from
/// circom inputs, proven, and accepted by `kiln verify`; inputs the circuit does not take are
/// refused with their name and nothing is written.
#[test]
fn fullprove_from_circom_inputs() {
    let Some(m) = Multiplier::get("kiln prove --wasm --input") else {
        return;
    };
    let dir = scratch("fullprove");
    let (input, proof, public) = (
        dir.join("input.json"),
        dir.join("proof.json"),
        dir.join("public.json"),
    );
    let prove = || {
        Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(["prove", "--backend", "cpu", "--wasm"])
            .arg(m.wasm())
            .arg("--input")
            .arg(&input)
            .arg(m.groth16_zkey())
            .args([&proof, &public])
            .output()
            .unwrap()
    };
    std::fs::write(&input, r#"{"a": "11", "b": 13}"#).unwrap();
    let o = prove();
    assert!(o.status.success(), "{}", text(&o));
    let v = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .arg("verify")
        .args([&m.vk(), &public, &proof])
        .output()
        .unwrap();
    assert!(
        v.status.success() && String::from_utf8_lossy(&v.stdout).contains("OK!"),
        "{}",
        text(&v)
    );
    assert_eq!(
        support::interop::read_json(&public),
        serde_json::json!(["143"])
    );

    std::fs::remove_file(&proof).unwrap();
    std::fs::remove_file(&public).unwrap();
    std::fs::write(&input, r#"{"a": "11", "z": 13}"#).unwrap();
    let o = prove();
    assert!(
        !o.status.success() && text(&o).contains("`z`"),
        "{}",
        text(&o)
    );
    assert!(
        !proof.exists() && !public.exists(),
        "a refused prove wrote files"
    );
}
