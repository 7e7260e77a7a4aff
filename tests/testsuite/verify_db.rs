//! Database restore tests: SQLite databases made here with rusqlite, and
//! real PostgreSQL dumps made by pg_dump from a throwaway cluster, restored
//! by pg_restore and by a `restore_command` into a scratch database.

use std::fs;

use rusqlite::Connection;
use serde_json::Value;

use crate::pg::PgCluster;
use crate::support::{Run, TestProject};
use crate::verify::{Verified, project, verify, zst};

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// A SQLite database with `rows` documents (and an index), and one or two
/// exchange_log rows, as bytes.
fn sqlite_db(rows: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oa.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT);
         CREATE INDEX documents_title ON documents(title);
         CREATE TABLE exchange_log (doc_id INTEGER, status TEXT);",
    )
    .unwrap();
    for i in 0..rows {
        conn.execute(
            "INSERT INTO documents (title, body) VALUES (?1, ?2)",
            (format!("关于第{i}号文件的通知"), "正文".repeat(100)),
        )
        .unwrap();
    }
    let exchanges = if rows < 10 { 1 } else { 2 };
    for doc in 1..=exchanges {
        conn.execute("INSERT INTO exchange_log VALUES (?1, 'ok')", [doc])
            .unwrap();
    }
    drop(conn);
    fs::read(&path).unwrap()
}

#[test]
fn sqlite_databases_plain_and_compressed_and_their_faults() {
    let p = project(
        "[[backups]]\nname = \"db\"\npath = \"db\"\nkind = \"sqlite\"\nmin_rows = { documents = 3, exchange_log = 2 }\n\
         restore_command = \"head -c 15 {restored}\"\n",
    );
    let good = sqlite_db(200);
    p.file("db/good.db", &good);
    p.file("db/good.db.zst", zst(&good, true));
    p.file("db/few.db", sqlite_db(2));
    p.file("db/cut.db", &good[..good.len() - 4096]);
    p.file("db/text.db", "CREATE TABLE documents (id);\n");
    // Page 2 is the documents table's b-tree root: wreck its header.
    let mut damaged = good.clone();
    damaged[4096] = 0x07;
    damaged[4096 + 3] = 0xff;
    p.file("db/damaged.db", damaged);

    let v = verify(&p, &[]);
    v.run.expect_code(1);
    assert_eq!(
        v.kinds(),
        pairs(&[
            ("cut.db", "truncated"),
            ("damaged.db", "corrupt"),
            ("few.db", "too_few_rows"),
            ("few.db", "too_few_rows"),
            ("text.db", "corrupt"),
        ])
    );
    assert!(v.detail("few.db", "too_few_rows").contains("holds 2 rows"));
    assert!(v.detail("text.db", "corrupt").contains("not a SQLite database"));
    for name in ["good.db", "good.db.zst"] {
        let r = v.record("db", name);
        assert_eq!(r["restore"]["test"], "sqlite", "{r}");
        let tables = &r["restore"]["tables"];
        assert_eq!(tables[0], serde_json::json!({"name": "documents", "rows": 200}));
        assert_eq!(tables[1], serde_json::json!({"name": "exchange_log", "rows": 2}));
        // `{restored}` is the decoded copy, a real database.
        assert_eq!(r["command"]["output"], "SQLite format 3", "{r}");
    }
    assert!(v.record("db", "good.db.zst")["decoded"]["bytes"] == good.len());
}

/// A database `oa` with documents in it.
fn oa_database(pg: &PgCluster, rows: usize) {
    pg.sql("postgres", "CREATE DATABASE oa");
    pg.sql(
        "oa",
        &format!(
            "CREATE TABLE documents (id serial PRIMARY KEY, title text NOT NULL, body text);
             CREATE TABLE exchange_log (doc_id int, status text);
             INSERT INTO documents (title, body)
               SELECT '关于第' || i || '号文件的通知', repeat(md5(i::text), 20) FROM generate_series(1, {rows}) i;
             INSERT INTO exchange_log VALUES (1, 'ok'), (2, 'failed');"
        ),
    );
}

/// Runs opsbook with the cluster's connection in the environment.
fn verify_with(pg: &PgCluster, p: &TestProject, args: &[&str]) -> Verified {
    let mut all = vec!["verify", "--json", "-"];
    all.extend_from_slice(args);
    let out = p
        .cmd(&all)
        .env("PGHOST", pg.host())
        .env("PGUSER", "postgres")
        .output()
        .unwrap();
    let run = Run(out);
    let json: Value =
        serde_json::from_slice(&run.0.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", run.stderr()));
    Verified { run, json }
}

#[test]
#[ignore = "needs postgresql"]
fn pg_dumps_plain_and_custom_with_their_faults() {
    let pg = PgCluster::start();
    oa_database(&pg, 500);
    let p = project("[[backups]]\nname = \"oa-db\"\npath = \"oa-db\"\nkind = \"pgdump\"\n");
    let plain = pg.dump("oa", &[]);
    let custom = pg.dump("oa", &["-Fc"]);
    assert!(custom.starts_with(b"PGDMP"));
    p.file("oa-db/oa.sql", &plain);
    p.file("oa-db/oa.sql.zst", zst(&plain, true));
    p.file("oa-db/oa.dump", &custom);
    p.file("oa-db/oa.dump.zst", zst(&custom, true));

    let v = verify_with(&pg, &p, &[]);
    v.run.expect_code(0);
    assert!(v.problems().is_empty(), "{:?}", v.problems());
    for name in ["oa.sql", "oa.sql.zst"] {
        let r = &v.record("oa-db", name)["restore"];
        assert_eq!(r["test"], "sql_dump", "{r}");
        assert_eq!(r["tool"], "pg_dump");
        assert_eq!(r["create_table"], 2);
        assert_eq!(r["copy"], 2);
        assert_eq!(r["copy_rows"], 502);
    }
    for name in ["oa.dump", "oa.dump.zst"] {
        assert_eq!(v.record("oa-db", name)["restore"]["test"], "pg_restore");
    }

    // Damaged copies: cut short, and 64 bytes overwritten in the data.
    let q = project("[[backups]]\nname = \"oa-db\"\npath = \"oa-db\"\nkind = \"pgdump\"\n");
    let trailer = plain
        .windows(36)
        .position(|w| w == b"-- PostgreSQL database dump complete")
        .unwrap();
    q.file("oa-db/cut.sql", &plain[..trailer - 200]);
    let cut_zst = zst(&plain[..trailer - 200], true);
    q.file("oa-db/cut-inside.sql.zst", &cut_zst);
    q.file("oa-db/cut.dump", &custom[..custom.len() * 2 / 3]);
    let mut overwritten = custom.clone();
    let at = custom.len() / 2;
    overwritten[at..at + 64].fill(0x41);
    q.file("oa-db/overwritten.dump", overwritten);
    let custom_zst = zst(&custom, true);
    q.file("oa-db/cut.dump.zst", &custom_zst[..custom_zst.len() - 10]);
    q.file("oa-db/empty.sql", "");
    let v = verify_with(&pg, &q, &[]);
    v.run.expect_code(1);
    assert_eq!(
        v.kinds(),
        pairs(&[
            ("cut-inside.sql.zst", "truncated"),
            ("cut.dump", "truncated"),
            ("cut.dump.zst", "truncated"),
            ("cut.sql", "truncated"),
            ("empty.sql", "truncated"),
            ("overwritten.dump", "corrupt"),
        ])
    );
    assert!(
        v.detail("cut.dump", "truncated").contains("pg_restore"),
        "{}",
        v.detail("cut.dump", "truncated")
    );
    assert!(v.detail("overwritten.dump", "corrupt").contains("pg_restore"));

    // Without pg_restore a custom dump is not passed silently.
    let r = project(
        "[verify]\npg_restore = \"/nonexistent/pg_restore\"\n\
         [[backups]]\nname = \"oa-db\"\npath = \"oa-db\"\nkind = \"pgdump\"\n",
    );
    r.file("oa-db/a.dump", &custom);
    r.file("oa-db/b.dump", &custom);
    let junit = r.join("junit.xml");
    let v = verify_with(&pg, &r, &["--junit", junit.to_str().unwrap()]);
    v.run.expect_code(0);
    let warnings = v.json["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].as_str().unwrap().contains("not installed"),
        "{warnings:?}"
    );
    assert!(
        warnings[0].as_str().unwrap().contains("(2 files)"),
        "{warnings:?}"
    );
    assert_eq!(
        v.run.stderr().matches("not installed").count(),
        1,
        "{}",
        v.run.stderr()
    );
    assert_eq!(v.record("oa-db", "a.dump")["restore"]["test"], "skipped");
    let xml = fs::read_to_string(junit).unwrap();
    assert_eq!(
        xml.matches("<skipped message=\"`/nonexistent/pg_restore` is not installed")
            .count(),
        2,
        "{xml}"
    );
}

#[test]
#[ignore = "needs postgresql"]
fn restore_command_restores_into_a_scratch_database() {
    let pg = PgCluster::start();
    oa_database(&pg, 5);
    let plain = pg.dump("oa", &[]);
    let restore = "psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS scratch' -c 'CREATE DATABASE scratch' \
                   && psql -X -q -v ON_ERROR_STOP=1 -d scratch -f {restored} \
                   && rows=$(psql -X -At -d scratch -c 'SELECT count(*) FROM documents') \
                   && echo \"documents: $rows\" && test \"$rows\" -ge MIN";
    let settings = |min: u32, timeout: &str| {
        format!(
            "[verify]\nrestore_timeout = \"{timeout}\"\n\
             [[backups]]\nname = \"oa-db\"\npath = \"oa-db\"\nkind = \"pgdump\"\nrestore_command = \"\"\"{}\"\"\"\n",
            restore.replace("MIN", &min.to_string())
        )
    };

    // A dump that restores, with a row count that passes; its file name
    // tries to inject a command, and stays one quoted word.
    let p = project(&settings(5, "1h"));
    let evil = "oa'; touch pwned; echo '$(touch pwned2).sql.zst";
    p.file(&format!("oa-db/{evil}"), zst(&plain, true));
    let v = verify_with(&pg, &p, &[]);
    v.run.expect_code(0);
    let command = &v.record("oa-db", evil)["command"];
    assert_eq!(command["exit"], 0, "{command}");
    assert!(
        command["output"].as_str().unwrap().contains("documents: 5"),
        "{command}"
    );
    assert_eq!(pg.sql("scratch", "SELECT count(*) FROM documents").trim(), "5");
    for name in ["pwned", "pwned2", "oa-db/pwned", "oa-db/pwned2"] {
        assert!(!p.join(name).exists(), "{name} was created");
    }

    // The same restore held to more rows than the dump has: restore_failed,
    // with the command's output.
    let q = project(&settings(6, "1h"));
    q.file("oa-db/oa.sql", &plain);
    let v = verify_with(&pg, &q, &[]);
    v.run.expect_code(1);
    assert_eq!(v.kinds(), pairs(&[("oa.sql", "restore_failed")]));
    let detail = v.detail("oa.sql", "restore_failed");
    assert!(
        detail.contains("exited with 1") && detail.contains("documents: 5"),
        "{detail}"
    );

    // A command that hangs is killed at its timeout, with what it started.
    let r = project(
        "[verify]\nrestore_timeout = \"1s\"\n\
         [[backups]]\nname = \"oa-db\"\npath = \"oa-db\"\nkind = \"pgdump\"\n\
         restore_command = \"echo waiting; sleep 600 & echo $! > ../sleep.pid; wait\"\n",
    );
    r.file("oa-db/oa.sql", &plain);
    let v = verify_with(&pg, &r, &[]);
    assert_eq!(v.kinds(), pairs(&[("oa.sql", "restore_failed")]));
    let detail = v.detail("oa.sql", "restore_failed");
    assert!(
        detail.contains("restore_timeout (1s)") && detail.contains("killed"),
        "{detail}"
    );
    assert!(detail.contains("waiting"), "{detail}");
    assert!(killed(&r.read("sleep.pid")));
}

/// Whether the process `pid` (as text) is gone, or dead and waiting to be
/// reaped.
pub fn killed(pid: &str) -> bool {
    match fs::read_to_string(format!("/proc/{}/stat", pid.trim())) {
        Err(_) => true,
        Ok(stat) => stat.rsplit(") ").next().is_some_and(|rest| rest.starts_with('Z')),
    }
}

#[test]
fn a_pg_restore_that_stops_reading_is_killed_at_restore_timeout() {
    // A pg_restore that never reads its input: the dump is larger than a
    // pipe holds, so feeding it would block for ever.
    let p = project(
        "[verify]\nrestore_timeout = \"1s\"\n\
         [[backups]]\nname = \"pg\"\npath = \"pg\"\nkind = \"pgdump\"\n",
    );
    let pid_file = p.join("pg_restore.pid");
    p.file(
        "bin/pg_restore",
        "#!/bin/sh\necho $$ > \"$FAKE_PID_FILE\"\nexec sleep 600\n",
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p.join("bin/pg_restore"), fs::Permissions::from_mode(0o755)).unwrap();
    let mut dump = b"PGDMP".to_vec();
    dump.extend(crate::verify::noise(4 << 20, 11));
    p.file("pg/oa.dump", &dump);
    let path = format!(
        "{}:{}",
        p.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The harness's own limit, so that a hang fails the test instead of
    // stalling the suite.
    let out = p
        .cmd(&["verify", "--json", "-"])
        .env("PATH", path)
        .env("FAKE_PID_FILE", &pid_file)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let run = Run(out);
    run.expect_code(1);
    let json: Value = serde_json::from_slice(&run.0.stdout).unwrap();
    let problems = &json["sets"][0]["problems"];
    assert_eq!(problems.as_array().unwrap().len(), 1, "{problems}");
    assert_eq!(problems[0]["kind"], "restore_failed");
    let detail = problems[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("restore_timeout (1s)") && detail.contains("killed"),
        "{detail}"
    );
    // The stored digest is complete: the rest of the file was read for it.
    assert_eq!(
        json["sets"][0]["records"][0]["blake3"],
        blake3::hash(&dump).to_hex().as_str()
    );
    assert!(killed(&fs::read_to_string(&pid_file).unwrap()));
}

#[test]
fn a_mysqldump_set_checks_its_trailer() {
    // mysqldump itself is not installed here; these are its exact lines.
    let dump = "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n\
                CREATE TABLE `documents` (\n  `id` int NOT NULL\n);\n\
                INSERT INTO `documents` VALUES (1),(2),(3);\n\
                /*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n\n-- Dump completed on 2025-11-01  2:00:01\n";
    let p = project("[[backups]]\nname = \"my\"\npath = \"my\"\nkind = \"mysqldump\"\n");
    p.file("my/ok.sql.zst", zst(dump.as_bytes(), true));
    p.file("my/cut.sql", &dump[..dump.len() - 45]);
    let v = verify(&p, &[]);
    assert_eq!(v.kinds(), pairs(&[("cut.sql", "truncated")]));
    let r = &v.record("my", "ok.sql.zst")["restore"];
    assert_eq!(
        (r["create_table"].as_u64(), r["insert"].as_u64()),
        (Some(1), Some(1))
    );
}
