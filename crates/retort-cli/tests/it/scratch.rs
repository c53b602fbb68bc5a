//! Scratch databases are never left behind: not after a normal run, not after
//! a run interrupted by SIGINT or SIGTERM (the signal handler drops them), and
//! not after a run killed outright (the next run drops the leftovers of dead
//! processes).

use std::time::{Duration, Instant};

use retort_dialect::DialectKind;

use crate::harness::{BLOG_V1, Project, scratches_of};

dialect_tests! {
    sigint_drops_scratches => sigint;
    sigterm_drops_scratches => sigterm;
    sigkill_leftovers_are_dropped_by_the_next_run => sigkill;
}

fn sigint(kind: DialectKind) {
    interrupted(kind, "INT", Some(130));
}

fn sigterm(kind: DialectKind) {
    interrupted(kind, "TERM", Some(143));
}

fn sigkill(kind: DialectKind) {
    interrupted(kind, "KILL", None);
}

/// A project whose `verify` takes a while: a chain of hand-written revisions.
fn busy_project(kind: DialectKind) -> Project {
    let p = Project::new(kind);
    p.write("src/models/blog.rs", BLOG_V1);
    let mut parent: Option<String> = None;
    for i in 1..=25 {
        let id = format!("{i:012x}");
        p.write_revision(
            &id,
            parent.as_deref(),
            &format!("CREATE TABLE t{i} (id INTEGER NOT NULL PRIMARY KEY, v INTEGER);"),
            &format!("DROP TABLE t{i};"),
        );
        parent = Some(id);
    }
    p
}

fn interrupted(kind: DialectKind, signal: &str, exit_code: Option<i32>) {
    let p = busy_project(kind);
    let mut child = p.spawn(&["verify"]);
    let pid = child.id();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll retort") {
            panic!(
                "verify ended ({status}) before it could be interrupted; make the project busier"
            );
        }
        if !scratches_of(kind, pid).is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no scratch database appeared"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let killed = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    if let Some(code) = exit_code {
        assert_eq!(status.code(), Some(code), "{status}");
        assert_eq!(
            scratches_of(kind, pid),
            Vec::<String>::new(),
            "the signal handler left a scratch"
        );
    }
    // The next run cleans up what a killed run left (and its own scratches).
    let (_, next) = p.retort_pid(&["verify"]);
    assert_eq!(scratches_of(kind, pid), Vec::<String>::new());
    assert_eq!(scratches_of(kind, next), Vec::<String>::new());
}
