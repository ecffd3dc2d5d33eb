//! A cluster of `kiln serve` nodes on one real PostgreSQL server (started here with initdb in a
//! temporary folder on a free loopback port, stopped after; Debian's `postgresql`, installed by
//! `make setup`). One test, so the scenarios share one server:
//!
//! * the lease and fencing rules at the database layer (as on SQLite in `serve.rs`);
//! * two nodes prove 50 jobs between them, each exactly once, every proof checked by
//!   `kiln verify`;
//! * a node killed with SIGKILL mid-proof: its job is leased again by the other node and
//!   finishes;
//! * a node frozen (SIGSTOP) mid-proof past its lease, then thawed: the job was finished by the
//!   other node, and the frozen node's late result is refused (fencing).

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use support::scratch::scratch;
use support::serve::{
    client_json, poll_job, submit_witness, upload_key, verify_job, Multiplier, Node, Postgres,
};

#[test]
fn a_cluster_on_postgresql() {
    let Some(m) = Multiplier::get("kiln serve on PostgreSQL") else {
        return;
    };
    let Some(pg) = Postgres::start() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(support::queue::check_fencing(&pg.url));

    let dir = scratch("cluster");
    let args = |name: &'static str| {
        vec![
            "--db",
            pg.url.as_str(),
            "--backend",
            "cpu",
            "--node",
            name,
            "--lease-s",
            "2",
        ]
    };
    let a = Node::start(&dir.join("a"), &args("a"));
    let b = Node::start(&dir.join("b"), &args("b"));
    let admin = a.admin_key();
    assert!(
        !b.data.join("admin.key").exists(),
        "one admin key for the cluster's database"
    );
    // Uploaded to node a; node b fetches it from the database when it first proves with it.
    let key = upload_key(&a, &admin, &m.groth16_zkey(), None);

    let witnesses: Vec<_> = (1..=50u64)
        .map(|i| (i, m.witness(&dir, i, 1000 + i)))
        .collect();
    let ids: Vec<(u64, String)> = witnesses
        .iter()
        .map(|(i, w)| {
            let node = if i % 2 == 0 { &a } else { &b };
            (*i, submit_witness(node, &admin, &key, w))
        })
        .collect();
    let mut proven_by = HashSet::new();
    for (i, id) in &ids {
        let public = verify_job(&a, &admin, id, &m.vk(), &dir);
        assert_eq!(
            public,
            serde_json::json!([(i * (1000 + i)).to_string()]),
            "job {id}'s result is its own"
        );
        let job = client_json(&b, &admin, &["job", "status", id]);
        assert_eq!(
            (job["state"].as_str(), job["attempts"].as_i64()),
            (Some("succeeded"), Some(1)),
            "{job}"
        );
        proven_by.insert(
            job["node"]
                .as_str()
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .to_string(),
        );
    }
    let (done_a, done_b) = (
        a.metric("kiln_jobs_finished_total"),
        b.metric("kiln_jobs_finished_total"),
    );
    println!("node a proved {done_a} jobs, node b {done_b}");
    assert_eq!(done_a + done_b, 50.0, "each job proven exactly once");
    assert_eq!(proven_by.len(), 2, "both nodes proved: {proven_by:?}");
    assert_eq!(
        a.metric("kiln_fenced_writes_total") + b.metric("kiln_fenced_writes_total"),
        0.0
    );
    drop((a, b));

    // SIGKILL mid-proof: node c holds every job in its proving stage for a minute.
    let mut c = Node::start(
        &dir.join("c"),
        &[args("c"), vec!["--test-prove-delay-ms", "60000"]].concat(),
    );
    let w = &witnesses[0].1;
    let killed = submit_witness(&c, &admin, &key, w);
    poll_job(&c, &admin, &killed, "running on c", |j| {
        j["state"] == "running"
    });
    c.sigkill();
    let d = Node::start(&dir.join("d"), &args("d"));
    verify_job(&d, &admin, &killed, &m.vk(), &dir);
    let job = client_json(&d, &admin, &["job", "status", &killed]);
    assert_eq!(job["attempts"], 2, "{job}");
    assert!(job["node"].as_str().unwrap().starts_with("d/"), "{job}");
    assert!(
        job["error_log"][0].as_str().unwrap().contains("c/cpu"),
        "{job}"
    );
    drop(d);

    // SIGSTOP mid-proof: node e is frozen past its lease, node f takes the job over and
    // finishes it, node e thaws and finds its lease gone: its result is refused.
    let e = Node::start(
        &dir.join("e"),
        &[args("e"), vec!["--test-prove-delay-ms", "3000"]].concat(),
    );
    let frozen = submit_witness(&e, &admin, &key, w);
    poll_job(&e, &admin, &frozen, "running on e", |j| {
        j["state"] == "running"
    });
    e.signal("STOP");
    let f = Node::start(&dir.join("f"), &args("f"));
    verify_job(&f, &admin, &frozen, &m.vk(), &dir);
    e.signal("CONT");
    let deadline = Instant::now() + Duration::from_secs(30);
    while e.metric("kiln_fenced_writes_total") < 1.0 {
        assert!(
            Instant::now() < deadline,
            "node e never noticed its lost lease:\n{}",
            e.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let job = client_json(&f, &admin, &["job", "status", &frozen]);
    assert_eq!(job["state"], "succeeded");
    assert!(
        job["node"].as_str().unwrap().starts_with("f/"),
        "the result stored is f's: {job}"
    );
    assert_eq!(e.metric("kiln_jobs_finished_total"), 0.0, "e ended no job");
}
