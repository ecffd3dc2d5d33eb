//! The queue's lease and fencing rules checked at the database layer, the same on SQLite and
//! PostgreSQL: a worker whose lease expired and was taken over can neither renew, store a
//! result, fail the job nor acknowledge a cancellation; the new holder can; attempts are capped.

use std::time::Duration;

use kiln_service::db::jobs::{Failure, InputKind, JobResult, JobState, NewJob, Renewal, Submitted};
use kiln_service::db::Db;

fn new_job(key: &str, max_attempts: i64) -> NewJob {
    NewJob {
        key_id: key.to_string(),
        priority: 0,
        idempotency_key: None,
        input_kind: InputKind::Wtns,
        input: vec![1, 2, 3],
        max_attempts,
    }
}

pub async fn check_fencing(url: &str) {
    let db = Db::connect(url).await.unwrap();
    // A key of its own, so that other jobs in the database are not picked.
    let key = kiln_service::db::new_id();
    let Submitted::Queued(id) = db.submit(new_job(&key, 3)).await.unwrap() else {
        panic!("not queued")
    };
    // Affinity: held keys first, so this worker picks this job.
    let held = vec![key.clone()];
    let first = db
        .lease("node-a", &held, 100)
        .await
        .unwrap()
        .expect("a job to lease");
    assert_eq!((first.job_id.as_str(), first.attempt), (id.as_str(), 1));
    assert_eq!(db.renew(&first, 100).await.unwrap(), Ok(Renewal::Held));
    // node-a stops renewing; its lease expires and the job goes back to the queue.
    tokio::time::sleep(Duration::from_millis(150)).await;
    db.reap_expired(kiln_service::db::now_ms()).await.unwrap();
    assert_eq!(db.job(&id).await.unwrap().unwrap().state, JobState::Queued);
    let second = db
        .lease("node-b", &held, 60_000)
        .await
        .unwrap()
        .expect("the job again");
    assert_eq!(second.job_id, id);
    assert!(second.token > first.token, "the fencing token grows");
    assert_eq!(second.attempt, 2);

    // node-a comes back: every write it makes is refused and changes nothing.
    let result = JobResult {
        proof: "{\"late\": true}".into(),
        public: "[]".into(),
    };
    assert!(db.renew(&first, 60_000).await.unwrap().is_err());
    assert!(db
        .succeed(&first, &result, "cpu", "node-a", 1)
        .await
        .unwrap()
        .is_err());
    let device_fault = Failure {
        reason: "device",
        message: "late".into(),
        retryable: false,
    };
    assert!(db
        .fail(&first, &device_fault, "node-a")
        .await
        .unwrap()
        .is_err());
    assert!(db.acknowledge_cancel(&first).await.unwrap().is_err());
    let job = db.job(&id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Running);
    assert_eq!(job.node, None);

    // node-b's write lands, in the statement that ends the job; nothing moves it after.
    let good = JobResult {
        proof: "{\"from\": \"b\"}".into(),
        public: "[\"1\"]".into(),
    };
    db.succeed(&second, &good, "cpu", "node-b", 1)
        .await
        .unwrap()
        .unwrap();
    assert!(db
        .succeed(&first, &result, "cpu", "node-a", 1)
        .await
        .unwrap()
        .is_err());
    let job = db.job(&id).await.unwrap().unwrap();
    assert_eq!(
        (job.state, job.node.as_deref(), job.attempts),
        (JobState::Succeeded, Some("node-b"), 2)
    );
    assert_eq!(db.job_result(&id).await.unwrap().unwrap().proof, good.proof);

    // Attempts are capped: a job whose leases keep expiring fails with the reasons.
    let Submitted::Queued(doomed) = db.submit(new_job(&key, 2)).await.unwrap() else {
        panic!()
    };
    for _ in 0..2 {
        let lease = db
            .lease("node-c", &held, 10)
            .await
            .unwrap()
            .expect("leased");
        assert_eq!(lease.job_id, doomed);
        tokio::time::sleep(Duration::from_millis(30)).await;
        db.reap_expired(kiln_service::db::now_ms()).await.unwrap();
    }
    let job = db.job(&doomed).await.unwrap().unwrap();
    assert_eq!(
        (job.state, job.failure_reason.as_deref()),
        (JobState::Failed, Some("lease_expired")),
        "{job:?}"
    );
    assert_eq!(job.error_log.len(), 2, "{job:?}");
    assert!(db
        .lease("node-c", &held, 10)
        .await
        .unwrap()
        .is_none_or(|l| l.key_id != key));

    // A retryable failure requeues while attempts remain; a permanent one fails at once.
    let Submitted::Queued(flaky) = db.submit(new_job(&key, 3)).await.unwrap() else {
        panic!()
    };
    let lease = db.lease("node-d", &held, 60_000).await.unwrap().unwrap();
    let fault = Failure {
        reason: "device",
        message: "MSM mismatch".into(),
        retryable: true,
    };
    assert_eq!(
        db.fail(&lease, &fault, "node-d").await.unwrap(),
        Ok(JobState::Queued)
    );
    let lease = db.lease("node-d", &held, 60_000).await.unwrap().unwrap();
    assert_eq!(lease.job_id, flaky);
    let bad = Failure {
        reason: "witness",
        message: "constraint 0 is not satisfied".into(),
        retryable: false,
    };
    assert_eq!(
        db.fail(&lease, &bad, "node-d").await.unwrap(),
        Ok(JobState::Failed)
    );
    let job = db.job(&flaky).await.unwrap().unwrap();
    assert_eq!(
        (job.attempts, job.error.as_deref()),
        (2, Some("constraint 0 is not satisfied"))
    );

    // The pick: the highest priority first, then a key the worker holds, then the oldest.
    let other = kiln_service::db::new_id();
    let submit = |key: &str, priority: i64| {
        let job = NewJob {
            priority,
            ..new_job(key, 3)
        };
        let db = db.clone();
        async move {
            let Submitted::Queued(id) = db.submit(job).await.unwrap() else {
                panic!("not queued")
            };
            id
        }
    };
    let oldest = submit(&other, 0).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let of_held_key = submit(&key, 0).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let urgent = submit(&other, 5).await;
    for expected in [&urgent, &of_held_key, &oldest] {
        let lease = db
            .lease("node-e", &held, 60_000)
            .await
            .unwrap()
            .expect("a queued job");
        assert_eq!(&lease.job_id, expected, "picked out of order");
        let done = Failure {
            reason: "witness",
            message: "test".into(),
            retryable: false,
        };
        assert_eq!(
            db.fail(&lease, &done, "node-e").await.unwrap(),
            Ok(JobState::Failed)
        );
    }

    // Idempotency: the same key returns the first job.
    let first = NewJob {
        idempotency_key: Some(format!("order-{other}")),
        ..new_job(&other, 3)
    };
    let again = NewJob {
        idempotency_key: Some(format!("order-{other}")),
        ..new_job(&other, 3)
    };
    let Submitted::Queued(id) = db.submit(first).await.unwrap() else {
        panic!("not queued")
    };
    assert_eq!(
        db.submit(again).await.unwrap(),
        Submitted::Existing(id.clone())
    );
    assert!(db.cancel(&id).await.unwrap());
    assert_eq!(
        db.job(&id).await.unwrap().unwrap().state,
        JobState::Cancelled
    );
}
