//! A PostgreSQL server of a test's own, for what the shared one `.ci/run`
//! starts cannot show: TLS with a certificate authority the test makes,
//! a server that accepts only TLS, and a server stopped and started again
//! mid-run. Debian's server binaries, on a free loopback port, in a
//! temporary folder removed (and the server stopped) when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

/// What the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// No TLS at all.
    Plain,
    /// TLS and plain.
    Tls,
    /// Only TLS: plain connections are refused by `pg_hba.conf`.
    TlsOnly,
}

pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
    /// The authority that signed the server's certificate (for `localhost` only), as a PEM file.
    pub ca: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

/// The newest Debian server binaries; `None` (with a message) outside CI
/// without them, and a failure under CI, where `.ci/run` installs them.
fn server_binaries() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    found.sort_by_key(|p| p.to_string_lossy().split('/').nth(4).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0));
    match found.pop() {
        Some(bin) => Some(bin),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("no PostgreSQL server binaries under CI=true: .ci/run installs Debian's postgresql")
        }
        None => {
            eprintln!("skipped: no PostgreSQL server binaries in /usr/lib/postgresql (.ci/run installs them)");
            None
        }
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Cluster {
    /// A new server offering `offer`, started; `roles` are made with their passwords, each with a schema of its own (first in its search path).
    pub fn start(name: &str, offer: Offer, roles: &[(&str, &str)]) -> Option<Cluster> {
        let bin = server_binaries()?;
        let dir = std::env::temp_dir().join(format!("meter-cluster-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let cluster = Cluster { ca: dir.join("ca.pem"), dir, port: free_port(), bin, as_postgres: is_root() };
        cluster.certificates();
        if cluster.as_postgres {
            // initdb refuses to run as root: the package's postgres user owns the cluster.
            assert!(Command::new("chown").args(["-R", "postgres"]).arg(&cluster.dir).status().unwrap().success());
        }
        cluster.run(
            "initdb",
            &["--pgdata", cluster.data().to_str().unwrap(), "--username", "meter", "--auth", "trust", "--encoding", "UTF8", "--no-sync"],
        );
        let host = match offer {
            Offer::TlsOnly => "hostssl",
            Offer::Plain | Offer::Tls => "host",
        };
        let mut hba = String::from("local all all trust\n");
        for (role, _) in roles {
            hba.push_str(&format!("{host} all {role} 127.0.0.1/32 scram-sha-256\n"));
        }
        hba.push_str(&format!("{host} all all 127.0.0.1/32 trust\n"));
        std::fs::write(cluster.data().join("pg_hba.conf"), hba).unwrap();
        let mut conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\nfsync = off\n",
            cluster.port,
            cluster.dir.display()
        );
        if offer != Offer::Plain {
            conf.push_str(&format!("ssl = on\nssl_cert_file = '{0}/server.pem'\nssl_key_file = '{0}/server.key'\n", cluster.dir.display()));
        }
        std::fs::write(cluster.data().join("postgresql.auto.conf"), conf).unwrap();
        cluster.start_again();
        for (role, password) in roles {
            cluster.psql(&format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'; CREATE SCHEMA {role} AUTHORIZATION {role}"));
        }
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A new authority, and a certificate it signed for `localhost` (not 127.0.0.1) with its key, owner-only.
    fn certificates(&self) {
        let (ca_pem, issuer) = authority("Meter Test CA");
        std::fs::write(&self.ca, ca_pem).unwrap();
        let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        leaf.distinguished_name.push(DnType::CommonName, "localhost");
        let key = KeyPair::generate().unwrap();
        let cert = leaf.signed_by(&key, &issuer).unwrap();
        std::fs::write(self.dir.join("server.pem"), cert.pem()).unwrap();
        let key_file = self.dir.join("server.key");
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&key_file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(tool));
            c
        } else {
            Command::new(self.bin.join(tool))
        };
        let out = command.args(args).output().unwrap();
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}\n{log}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs `sql` as the trusted superuser, over the server's socket.
    pub fn psql(&self, sql: &str) {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", self.dir.to_str().unwrap(), "-p", &self.port.to_string(), "-U", "meter", "-d", "postgres", "-qc", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Starts the server (again), waiting until it accepts connections.
    pub fn start_again(&self) {
        let log = self.dir.join("server.log");
        self.run(
            "pg_ctl",
            &["--pgdata", self.data().to_str().unwrap(), "--log", log.to_str().unwrap(), "--wait", "--timeout", "60", "start"],
        );
    }

    /// Stops the server, `immediate`ly (as a crash or a failover would: no clean shutdown) or fast.
    pub fn stop(&self, immediate: bool) {
        let mode = if immediate { "immediate" } else { "fast" };
        self.run("pg_ctl", &["--pgdata", self.data().to_str().unwrap(), "--mode", mode, "--wait", "stop"]);
    }

    /// A store URL for `user` at `host` (`localhost` or `127.0.0.1`), with `query` (`sslmode=…`) appended.
    pub fn url(&self, user: &str, host: &str, query: &str) -> String {
        let query = query.replace("{ca}", &self.ca.to_string_lossy().replace('/', "%2F"));
        format!("postgres://{user}@{host}:{}/postgres?{query}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let mut stop = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(pg_ctl);
            c
        } else {
            Command::new(pg_ctl)
        };
        let _ = stop.arg("--pgdata").arg(self.data()).args(["--mode", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new certificate authority: its PEM, and the issuer to sign with.
pub fn authority(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, name);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().unwrap();
    let cert = ca.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(ca, key))
}

/// A password file holding `line`, owner-only, in `dir`.
pub fn password_file(dir: &Path, line: &str) -> PathBuf {
    let file = dir.join("pgpass");
    std::fs::write(&file, format!("{line}\n")).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    file
}
