//! `OsEnv`: environment variables and files, behind a small abstraction so
//! tests can supply both without touching the process.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Environment variables and files.
#[derive(Clone, Default)]
pub struct OsEnv {
    vars: Option<Arc<HashMap<String, String>>>,
    files: Option<Arc<HashMap<PathBuf, String>>>,
}

impl std::fmt::Debug for OsEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Variables may hold secrets; only say where they come from.
        f.write_str(if self.vars.is_some() { "OsEnv(fake)" } else { "OsEnv(process)" })
    }
}

impl OsEnv {
    /// The real process environment and file system.
    pub fn real() -> Self {
        OsEnv::default()
    }

    /// A fake environment with `vars` and in-memory `files`.
    pub fn fake<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>, files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        OsEnv {
            vars: Some(Arc::new(vars.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())),
            files: Some(Arc::new(files.into_iter().map(|(k, v)| (PathBuf::from(k), v.to_owned())).collect())),
        }
    }

    /// A variable's value; empty values count as unset.
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.vars {
            Some(vars) => vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    /// Every variable whose name starts with `prefix`.
    pub fn vars_with_prefix(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = match &self.vars {
            Some(vars) => vars.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(k, v)| (k.clone(), v.clone())).collect(),
            None => std::env::vars().filter(|(k, _)| k.starts_with(prefix)).collect(),
        };
        out.sort();
        out
    }

    /// A file's contents, `Ok(None)` when it does not exist.
    pub fn read_file(&self, path: &std::path::Path) -> Result<Option<String>, String> {
        match &self.files {
            Some(files) => Ok(files.get(path).cloned()),
            None => match std::fs::read_to_string(path) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("cannot read {}: {e}", path.display())),
            },
        }
    }

    /// The home folder, for `~/.aws/...`.
    pub fn home(&self) -> Option<PathBuf> {
        self.var("HOME").or_else(|| self.var("USERPROFILE")).map(PathBuf::from)
    }

    /// Expands a leading `~/`.
    pub fn expand(&self, path: &str) -> PathBuf {
        match (path.strip_prefix("~/"), self.home()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        }
    }
}
