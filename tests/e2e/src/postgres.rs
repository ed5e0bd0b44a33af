//! A throw-away PostgreSQL cluster for the tests of `storage = "postgres"`:
//! `initdb` into a temporary directory, a server on a Unix socket there (no
//! TCP port to collide with), trust authentication, a database `ews`. Debian's
//! `postgresql` package provides the programs (scripts/bootstrap installs it);
//! PostgreSQL refuses to run as root, so as root the cluster is the
//! `postgres` user's. Stopped and removed when dropped.

use std::path::PathBuf;
use std::process::Command;

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// `postgres`, when the tests run as root.
    user: Option<&'static str>,
}

impl Postgres {
    /// `None`, with the reason on stderr, where PostgreSQL is not installed.
    pub fn start() -> Option<Postgres> {
        let Some(bin) = bin_dir() else {
            eprintln!(
                "SKIPPED: PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); scripts/bootstrap installs Debian's postgresql"
            );
            return None;
        };
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let dir = tempfile::Builder::new()
            .prefix("ews-pg-")
            .tempdir()
            .expect("temp dir");
        let user = root.then_some("postgres");
        if let Some(u) = user {
            let ok = Command::new("chown")
                .arg(u)
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown {u} {}", dir.path().display());
        }
        let port = free_port();
        let pg = Postgres {
            dir,
            bin,
            port,
            user,
        };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "ews",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        pg.start_again();
        pg.psql("postgres", "CREATE DATABASE ews");
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn socket_dir(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// `postgres_url` for the host.
    pub fn url(&self) -> String {
        format!(
            "host={} port={} user=ews dbname=ews",
            self.socket_dir(),
            self.port
        )
    }

    /// Starts the server (again), waiting until it accepts connections.
    pub fn start_again(&self) {
        let opts = format!(
            "-k {} -p {} -c listen_addresses=''",
            self.socket_dir(),
            self.port
        );
        let log = self.dir.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-o", &opts, "-l", &log, "-w", "start"],
        );
    }

    /// Stops the server at once, as a crash or a failover would.
    pub fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    /// One statement through psql; its unaligned output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let port = self.port.to_string();
        let sock = self.socket_dir();
        self.run(
            "psql",
            &["-h", &sock, "-p", &port, "-U", "ews", "-d", db, "-Atc", sql],
        )
    }

    /// `program` of the cluster's installation, as the cluster's user, run away
    /// from the test's directory (which that user may not read).
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        let mut cmd = match self.user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.current_dir(self.dir.path());
        cmd
    }

    fn run(&self, program: &str, args: &[&str]) -> String {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
    }
}

/// Where initdb, pg_ctl and psql are: Debian keeps the server's programs out
/// of PATH, under /usr/lib/postgresql/<version>/bin.
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.sort();
    if let Some(dir) = versions
        .into_iter()
        .rev()
        .find(|d| d.join("initdb").is_file())
    {
        return Some(dir);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).find(|d| {
            d.join("initdb").is_file() && d.join("pg_ctl").is_file() && d.join("psql").is_file()
        })
    })
}

/// A port number for the socket's name; nothing listens on TCP.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(54329)
}
