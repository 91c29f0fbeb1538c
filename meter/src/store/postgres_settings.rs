//! Where and how the PostgreSQL store connects, read as libpq reads it, so
//! no secret needs to be on a command line: the URL first, then the
//! environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
//! `PGCONNECT_TIMEOUT`), then the password file (`PGPASSFILE`, else
//! `~/.pgpass`, ignored unless only its owner can read it), with TLS as
//! `sslmode` and `sslrootcert` (or `PGSSLMODE`, `PGSSLROOTCERT`) ask:
//! `postgres_tls.rs`. And how long
//! anything may take: a connect timeout for the whole handshake, a
//! statement timeout on the server, and a deadline for each store call, so a
//! database that accepts and never answers is an error, never a hang.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::config::Host;
use tokio_postgres::Config;

use super::postgres_tls::{SslMode, Tls};
use super::StoreError;

/// How long connecting (socket and handshake) may take unless `connect_timeout` or `PGCONNECT_TIMEOUT` says otherwise.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one statement may run on the server.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one store call (a transaction, with its retries) may take before it is an error.
pub const CALL_DEADLINE: Duration = Duration::from_secs(60);

/// What a store connects with. Its `Debug` and `Display` never show the password.
#[derive(Clone)]
pub struct Settings {
    /// The connection settings tokio-postgres connects with.
    pub config: Config,
    /// How long connecting may take, handshake included.
    pub connect_timeout: Duration,
    /// How long one store call may take.
    pub call_deadline: Duration,
    /// Whether and how connections use TLS.
    pub tls: Tls,
    /// The rustls connector `tls` asks for; `None` for `sslmode=disable`.
    pub(super) connector: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // tokio-postgres's own Debug leaves the password out.
        f.debug_struct("Settings")
            .field("config", &self.config)
            .field("call_deadline", &self.call_deadline)
            .field("tls", &self.tls)
            .finish()
    }
}

impl fmt::Display for Settings {
    /// `user@host:port/database`, for messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        write!(f, "{}@{host}:{port}/{}", self.config.get_user().unwrap_or("?"), self.config.get_dbname().unwrap_or("?"))
    }
}

/// The environment as `Settings::read` sees it (the process's, or a test's).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// The settings of `url` (`postgres://USER@HOST:PORT/DATABASE?…`, any part
    /// of which may be left to the environment), completed from the process's
    /// environment and password file as libpq completes them.
    pub fn from_url(url: &str) -> Result<Settings, StoreError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Settings::read(url, &env)
    }

    /// [`Settings::from_url`] with the environment `env`.
    pub fn read(url: &str, env: Env<'_>) -> Result<Settings, StoreError> {
        // tokio-postgres knows only disable, prefer and require: the TLS settings are read here.
        let (url, ssl) = take_tls_parameters(url);
        // tokio-postgres's parse errors quote nothing of the URL, so they are safe to show.
        let mut config = Config::from_str(&url).map_err(|e| StoreError(format!("the PostgreSQL URL is not valid: {e}")))?;
        if config.get_hosts().is_empty() {
            config.host(env("PGHOST").unwrap_or_else(|| "localhost".into()));
        }
        if config.get_ports().is_empty() {
            if let Some(port) = env("PGPORT") {
                config.port(port.parse().map_err(|_| StoreError(format!("PGPORT `{port}` is not a port number")))?);
            }
        }
        if config.get_user().is_none() {
            let user = env("PGUSER")
                .or_else(|| env("USER"))
                .ok_or_else(|| StoreError("no PostgreSQL user: give one in the URL or PGUSER".into()))?;
            config.user(user);
        }
        if config.get_dbname().is_none() {
            config.dbname(env("PGDATABASE").unwrap_or_else(|| config.get_user().unwrap_or_default().to_owned()));
        }
        if config.get_password().is_none() {
            if let Some(password) = env("PGPASSWORD").or_else(|| password_file(&config, env)) {
                config.password(password);
            }
        }
        let connect_timeout = match config.get_connect_timeout() {
            Some(t) => *t,
            None => match env("PGCONNECT_TIMEOUT") {
                Some(t) => {
                    Duration::from_secs(t.parse().map_err(|_| StoreError(format!("PGCONNECT_TIMEOUT `{t}` is not a number of seconds")))?)
                }
                None => CONNECT_TIMEOUT,
            },
        };
        config.connect_timeout(connect_timeout);
        // Ours first, so a statement_timeout in the URL's options still wins.
        let options = format!("-c statement_timeout={} {}", STATEMENT_TIMEOUT.as_millis(), config.get_options().unwrap_or_default());
        config.options(options.trim_end());
        let mode = match ssl.mode.or_else(|| env("PGSSLMODE")) {
            Some(mode) => SslMode::parse(&mode)?,
            None => SslMode::Prefer,
        };
        let tls = Tls { mode, root_cert: ssl.root_cert.or_else(|| env("PGSSLROOTCERT")).map(PathBuf::from) };
        let home = env("HOME").map(PathBuf::from);
        let connector = tls.connector(home.as_deref())?;
        config.ssl_mode(mode.wire());
        Ok(Settings { config, connect_timeout, call_deadline: CALL_DEADLINE, tls, connector })
    }
}

/// The TLS parameters a connection string gives.
#[derive(Default)]
struct TlsParameters {
    mode: Option<String>,
    root_cert: Option<String>,
}

/// `url` without its `sslmode` and `sslrootcert`, and what they said; in a
/// URL's query (values percent-decoded) or as `key=value` words.
fn take_tls_parameters(url: &str) -> (String, TlsParameters) {
    let mut found = TlsParameters::default();
    let mut take = |key: &str, value: String| match key {
        "sslmode" => found.mode = Some(value),
        "sslrootcert" => found.root_cert = Some(value),
        _ => unreachable!("only the TLS keys are taken"),
    };
    let is_tls = |key: &str| key == "sslmode" || key == "sslrootcert";
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        match url.split_once('?') {
            Some((base, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| match pair.split_once('=') {
                        Some((k, v)) if is_tls(k) => {
                            take(k, percent_decoded(v));
                            false
                        }
                        _ => true,
                    })
                    .collect();
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
            None => url.to_owned(),
        }
    } else {
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|word| match word.split_once('=') {
                Some((k, v)) if is_tls(k) => {
                    take(k, v.trim_matches('\'').to_owned());
                    false
                }
                _ => true,
            })
            .collect();
        kept.join(" ")
    };
    (rest, found)
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let (mut out, mut i) = (Vec::with_capacity(bytes.len()), 0);
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The password file's password for `config`'s host, port, database and user, if any.
fn password_file(config: &Config, env: Env<'_>) -> Option<String> {
    let path = env("PGPASSFILE").map(PathBuf::from).or_else(|| env("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    if !owner_only(&path) {
        tracing::warn!(file = %path.display(), "the password file can be read by others than its owner; ignored, as libpq ignores it");
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        _ => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
    let wanted = [host.as_str(), &port, config.get_dbname().unwrap_or_default(), config.get_user().unwrap_or_default()];
    text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let fields = pgpass_fields(line);
        let [h, p, d, u, password] = fields.as_slice() else { return None };
        [h, p, d, u].iter().zip(wanted).all(|(field, want)| *field == "*" || field.as_str() == want).then(|| password.clone())
    })
}

/// A password-file line's five fields: `:` separates, `\` escapes `:` and `\`.
fn pgpass_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut chars) = (Vec::new(), String::new(), line.chars());
    while let Some(c) = chars.next() {
        match c {
            '\\' => field.extend(chars.next()),
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(unix)]
fn owner_only(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 == 0)
}

#[cfg(not(unix))]
fn owner_only(path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn the_url_first_then_the_environment() {
        let s = Settings::read(
            "postgres://meter@db.example:6543/usage",
            &env(&[("PGHOST", "other"), ("PGUSER", "x"), ("PGPASSWORD", "s3cret")]),
        )
        .unwrap();
        assert_eq!(s.to_string(), "meter@db.example:6543/usage");
        assert_eq!(s.config.get_password(), Some(&b"s3cret"[..]), "the URL has none: PGPASSWORD");
        let s = Settings::read(
            "postgres://",
            &env(&[("PGHOST", "h"), ("PGPORT", "7"), ("PGUSER", "u"), ("PGDATABASE", "d"), ("PGCONNECT_TIMEOUT", "3")]),
        )
        .unwrap();
        assert_eq!((s.to_string(), s.connect_timeout), ("u@h:7/d".to_owned(), Duration::from_secs(3)));
        assert!(Settings::read("postgres://", &env(&[("PGUSER", "u"), ("PGPORT", "seven")])).unwrap_err().0.contains("PGPORT `seven`"));
        assert!(s.config.get_options().unwrap().starts_with("-c statement_timeout=30000"));
        let s = Settings::read("postgres://u@h/d?options=-csearch_path%3Dx", &env(&[])).unwrap();
        assert_eq!(s.config.get_options(), Some("-c statement_timeout=30000 -csearch_path=x"), "the URL's options follow ours");
    }

    #[test]
    fn tls_as_libpq_reads_it() {
        let s = Settings::read("postgres://u@h/d", &env(&[])).unwrap();
        assert_eq!((s.tls.mode, s.connector.is_some()), (SslMode::Prefer, true), "prefer by default");
        let s = Settings::read("postgres://u@h/d?sslmode=disable&application_name=m", &env(&[("PGSSLMODE", "require")])).unwrap();
        assert_eq!((s.tls.mode, s.connector.is_some()), (SslMode::Disable, false), "the URL before PGSSLMODE");
        assert_eq!(s.config.get_application_name(), Some("m"), "the other parameters kept");
        let s = Settings::read("postgres://u@h/d", &env(&[("PGSSLMODE", "require")])).unwrap();
        assert_eq!(s.tls.mode, SslMode::Require);
        let e = Settings::read("postgres://u@h/d?sslmode=verify-full", &env(&[])).unwrap_err();
        assert!(e.0.contains("needs the root certificate"), "{e}");
        let e = Settings::read("postgres://u@h/d?sslmode=verify-ca&sslrootcert=%2Fno%2Fsuch.pem", &env(&[])).unwrap_err();
        assert!(e.0.contains("/no/such.pem cannot be read"), "{e}");
        let e = Settings::read("postgres://u@h/d?sslmode=always", &env(&[])).unwrap_err();
        assert!(e.0.contains("sslmode `always`"), "{e}");
        let s = Settings::read("host=h user=u dbname=d sslmode=disable", &env(&[])).unwrap();
        assert_eq!((s.tls.mode, s.to_string()), (SslMode::Disable, "u@h:5432/d".to_owned()), "key=value strings too");
    }

    #[test]
    fn passwords_never_show() {
        let s = Settings::read("postgres://meter:hunter2@h:5432/d", &env(&[])).unwrap();
        assert_eq!(s.config.get_password(), Some(&b"hunter2"[..]));
        for text in [format!("{s}"), format!("{s:?}")] {
            assert!(!text.contains("hunter2"), "{text}");
        }
    }

    #[test]
    fn the_password_file_as_libpq_reads_it() {
        let dir = std::env::temp_dir().join(format!("meter-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pgpass");
        std::fs::write(&file, "# comment\nother:5432:d:meter:wrong\nh:*:d:meter:pa\\:ss\\\\word\n*:*:*:*:fallback\n").unwrap();
        let vars = [("PGPASSFILE", file.to_str().unwrap())];
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let s = Settings::read("postgres://meter@h/d", &env(&vars)).unwrap();
            assert_eq!(s.config.get_password(), None, "a file others can read is ignored");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let s = Settings::read("postgres://meter@h/d", &env(&vars)).unwrap();
        assert_eq!(s.config.get_password(), Some(&b"pa:ss\\word"[..]), "the first line that matches, escapes read");
        let s = Settings::read("postgres://someone@elsewhere/x", &env(&vars)).unwrap();
        assert_eq!(s.config.get_password(), Some(&b"fallback"[..]));
        let s =
            Settings::read("postgres://meter@h/d", &env(&[("PGPASSFILE", file.to_str().unwrap()), ("PGPASSWORD", "from-env")])).unwrap();
        assert_eq!(s.config.get_password(), Some(&b"from-env"[..]), "PGPASSWORD before the file");
        let _ = std::fs::remove_dir_all(dir);
    }
}
