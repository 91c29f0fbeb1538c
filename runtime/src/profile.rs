//! The shared config and credentials files (`~/.aws/config`,
//! `~/.aws/credentials`): parsing, and picking the active profile.
//!
//! The format is INI-like: `[profile name]` sections in the config file
//! (`[default]` for the default profile), `[name]` in the credentials file,
//! `key = value` lines, `#` and `;` comments, and indented continuation lines
//! for nested sections such as `s3 =`. Keys from the credentials file win.

use std::collections::BTreeMap;

use crate::os_env::OsEnv;

/// One profile's settings, keys in lower case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name.
    pub name: String,
    settings: BTreeMap<String, String>,
}

impl Profile {
    /// A setting's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.get(&key.to_ascii_lowercase()).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// Why the profile files could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError(pub String);

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProfileError {}

/// Every profile of one file. `config_file` selects the `[profile x]` naming.
pub fn parse(text: &str, config_file: bool, path: &str) -> Result<BTreeMap<String, Profile>, ProfileError> {
    let mut profiles: BTreeMap<String, Profile> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut last_key: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = strip_comment(raw);
        if line.trim().is_empty() {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            // A continuation line belongs to the previous key (nested settings); keep it verbatim.
            if let (Some(p), Some(k)) = (&current, &last_key) {
                if let Some(profile) = profiles.get_mut(p) {
                    let entry = profile.settings.entry(k.clone()).or_default();
                    entry.push('\n');
                    entry.push_str(line.trim());
                }
                continue;
            }
            return Err(ProfileError(format!("{path} line {line_no}: indented line outside a setting")));
        }
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[') {
            let name = header
                .strip_suffix(']')
                .ok_or_else(|| ProfileError(format!("{path} line {line_no}: section header without ']'")))?
                .trim();
            let name = if config_file {
                match name.strip_prefix("profile ").map(str::trim) {
                    Some(n) => Some(n),
                    None if name == "default" => Some("default"),
                    // `[sso-session x]`, `[services x]` and the like are not profiles.
                    None => None,
                }
            } else {
                Some(name)
            };
            current = name.map(str::to_owned);
            if let Some(n) = &current {
                profiles.entry(n.clone()).or_insert_with(|| Profile { name: n.clone(), settings: BTreeMap::new() });
            }
            last_key = None;
            continue;
        }
        let (key, value) = trimmed
            .split_once('=')
            .ok_or_else(|| ProfileError(format!("{path} line {line_no}: expected `key = value`")))?;
        let key = key.trim().to_ascii_lowercase();
        if let Some(p) = &current {
            if let Some(profile) = profiles.get_mut(p) {
                profile.settings.insert(key.clone(), value.trim().to_owned());
            }
        }
        last_key = Some(key);
    }
    Ok(profiles)
}

fn strip_comment(line: &str) -> &str {
    // A comment starts a line, or follows whitespace; `#` inside a value is kept.
    if line.trim_start().starts_with(['#', ';']) {
        return "";
    }
    match line.find(" #").or_else(|| line.find(" ;")).or_else(|| line.find("\t#")) {
        Some(i) => &line[..i],
        None => line,
    }
}

/// The active profile (`AWS_PROFILE`, else `default`) merged from both
/// files, credentials file keys winning; `Ok(None)` when neither file has it.
pub fn load(env: &OsEnv) -> Result<Option<Profile>, ProfileError> {
    load_named(env, &active_name(env))
}

/// The name of the active profile.
pub fn active_name(env: &OsEnv) -> String {
    env.var("AWS_PROFILE").unwrap_or_else(|| "default".to_owned())
}

/// Profile `name` merged from both files.
pub fn load_named(env: &OsEnv, name: &str) -> Result<Option<Profile>, ProfileError> {
    let config_path = env.var("AWS_CONFIG_FILE").map(|p| env.expand(&p)).or_else(|| env.home().map(|h| h.join(".aws/config")));
    let creds_path = env
        .var("AWS_SHARED_CREDENTIALS_FILE")
        .map(|p| env.expand(&p))
        .or_else(|| env.home().map(|h| h.join(".aws/credentials")));
    let mut merged: Option<Profile> = None;
    for (path, is_config) in [(config_path, true), (creds_path, false)] {
        let Some(path) = path else { continue };
        let Some(text) = env.read_file(&path).map_err(ProfileError)? else { continue };
        let mut profiles = parse(&text, is_config, &path.display().to_string())?;
        if let Some(p) = profiles.remove(name) {
            let target = merged.get_or_insert_with(|| Profile { name: name.to_owned(), settings: BTreeMap::new() });
            target.settings.extend(p.settings);
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_files_and_merges_the_active_profile() {
        let config = "# comment\n[default]\nregion = us-west-2\n\n[profile metering]\nregion = eu-west-1 ; trailing\nmax_attempts=5\ns3 =\n  addressing_style = path\n[sso-session x]\nsso_region = us-east-1\n";
        let creds = "[metering]\naws_access_key_id = AKID\naws_secret_access_key = se#cret\nregion = ap-south-1\n";
        let env = OsEnv::fake([("HOME", "/home/u"), ("AWS_PROFILE", "metering")], [("/home/u/.aws/config", config), ("/home/u/.aws/credentials", creds)]);
        let p = load(&env).unwrap().unwrap();
        assert_eq!(p.get("region"), Some("ap-south-1"), "the credentials file wins");
        assert_eq!(p.get("max_attempts"), Some("5"));
        assert_eq!(p.get("aws_secret_access_key"), Some("se#cret"), "# inside a value is not a comment");
        assert_eq!(p.get("s3"), Some("\naddressing_style = path"));
        let default = load_named(&env, "default").unwrap().unwrap();
        assert_eq!(default.get("region"), Some("us-west-2"));
        assert_eq!(load_named(&env, "x").unwrap(), None, "sso-session sections are not profiles");
    }

    #[test]
    fn malformed_files_name_the_line() {
        let err = parse("[default\nregion=x", true, "cfg").unwrap_err();
        assert_eq!(err.0, "cfg line 1: section header without ']'");
        let err = parse("[default]\njust words", true, "cfg").unwrap_err();
        assert_eq!(err.0, "cfg line 2: expected `key = value`");
    }

    #[test]
    fn missing_files_are_not_errors() {
        let env = OsEnv::fake([("HOME", "/nowhere")], []);
        assert_eq!(load(&env).unwrap(), None);
    }
}
