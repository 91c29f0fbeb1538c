//! The shared config and credentials files (`~/.aws/config`,
//! `~/.aws/credentials`): parsing, and picking the active profile.
//!
//! The format, as the AWS SDKs read it: sections `[default]`, `[profile
//! name]`, `[sso-session name]` and `[services name]` in the config file,
//! `[name]` in the credentials file; `key = value` lines; whole-line comments
//! starting with `#` or `;`, and trailing comments when the `#` or `;` follows
//! whitespace; indented lines continue the previous value, or, when that
//! value is empty, hold its sub-properties (`s3 =` then `  addressing_style =
//! path`). A leading byte-order mark and CRLF line ends are accepted.
//!
//! What is refused, naming the file and line: a property outside any section,
//! a line without `=`, an empty key, an indented line with nothing to
//! continue. Sections of other kinds, and sections or keys whose names have
//! characters names cannot have, are ignored, never fatal, as the other SDKs
//! ignore them. Keys from the credentials file win over the config file.

use std::collections::BTreeMap;
use std::fmt;

use crate::env::OsEnv;

/// One section's settings: a profile, an `sso-session` or a `services`
/// section. Keys are kept in lower case.
///
/// `Debug` shows the names of the keys, never their values, which may be
/// secret keys or tokens.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The section's name.
    pub name: String,
    settings: BTreeMap<String, String>,
    sub_settings: BTreeMap<String, BTreeMap<String, String>>,
}

impl Profile {
    fn named(name: &str) -> Self {
        Profile { name: name.to_owned(), ..Profile::default() }
    }

    /// A setting's value; `None` when it is absent or empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.get(&key.to_ascii_lowercase()).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// A nested setting (`key =` followed by indented `sub = value` lines); `None` when absent or empty.
    pub fn get_sub(&self, key: &str, sub: &str) -> Option<&str> {
        self.sub_settings
            .get(&key.to_ascii_lowercase())
            .and_then(|m| m.get(&sub.to_ascii_lowercase()))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The keys that have nested settings.
    pub fn nested_keys(&self) -> impl Iterator<Item = &str> {
        self.sub_settings.keys().map(String::as_str)
    }

    fn merge(&mut self, other: Profile) {
        self.settings.extend(other.settings);
        for (key, subs) in other.sub_settings {
            self.sub_settings.entry(key).or_default().extend(subs);
        }
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("keys", &self.settings.keys().collect::<Vec<_>>())
            .field("nested", &self.sub_settings.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why the profile files could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError(pub String);

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProfileError {}

/// The sections of one file, or of both files merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Profile>,
    sso_sessions: BTreeMap<String, Profile>,
    services: BTreeMap<String, Profile>,
}

impl ProfileSet {
    /// The profile `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// The `[sso-session name]` section.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub fn sso_session(&self, name: &str) -> Option<&Profile> {
        self.sso_sessions.get(name)
    }

    /// The `[services name]` section.
    pub fn services(&self, name: &str) -> Option<&Profile> {
        self.services.get(name)
    }

    /// The names of every profile.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// Adds `other`'s sections; its keys win.
    fn merge(&mut self, other: ProfileSet) {
        for (mine, theirs) in
            [(&mut self.profiles, other.profiles), (&mut self.sso_sessions, other.sso_sessions), (&mut self.services, other.services)]
        {
            for (name, section) in theirs {
                mine.entry(name.clone()).or_insert_with(|| Profile::named(&name)).merge(section);
            }
        }
    }
}

/// Which kind of section the lines being read belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Profile,
    /// `[default]` in a config file that also has `[profile default]`, which wins.
    ShadowedDefault,
    SsoSession,
    Services,
    /// A section that is none of the above, or has an invalid name: read, then dropped.
    Ignored,
}

/// Characters a profile, section or key name may have.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || "_-/.%@:+".contains(c))
}

/// The kind and name of a section header's inside (`profile foo`).
fn section(inside: &str, config_file: bool, has_prefixed_default: bool) -> (Kind, String) {
    let inside = inside.trim();
    let (prefix, rest) = match inside.split_once([' ', '\t']) {
        Some((p, r)) => (p, r.trim()),
        None => (inside, ""),
    };
    let (kind, name) = if !config_file {
        // Credentials files name profiles bare; anything with a prefix is not a profile there.
        (Kind::Profile, inside)
    } else {
        match (prefix, rest.is_empty()) {
            ("default", true) if has_prefixed_default => (Kind::ShadowedDefault, inside),
            ("default", true) => (Kind::Profile, inside),
            ("profile", false) => (Kind::Profile, rest),
            ("sso-session", false) => (Kind::SsoSession, rest),
            ("services", false) => (Kind::Services, rest),
            _ => (Kind::Ignored, inside),
        }
    };
    if valid_name(name) {
        (kind, name.to_owned())
    } else {
        (Kind::Ignored, name.to_owned())
    }
}

/// `line` without a trailing comment: `#` or `;` after whitespace.
fn strip_trailing_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if (b == b'#' || b == b';') && i > 0 && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
            // Both bytes are ASCII, so `i` is a character boundary.
            return &line[..i];
        }
    }
    line
}

/// What the last property line left open for indented lines.
enum Open {
    Nothing,
    /// A property with a value: indented lines continue it.
    Value(String),
    /// A property without a value: indented lines are its sub-properties.
    Sub(String),
}

/// Every section of one file. `config_file` selects the config file's
/// section naming (`[profile x]`); `path` names the file in errors.
pub fn parse(text: &str, config_file: bool, path: &str) -> Result<ProfileSet, ProfileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let has_prefixed_default = config_file
        && text.lines().any(|l| {
            let t = l.trim();
            t.strip_prefix('[').and_then(|r| r.split_once(']')).is_some_and(|(inside, _)| {
                inside.trim().strip_prefix("profile").is_some_and(|r| r.starts_with([' ', '\t']) && r.trim() == "default")
            })
        });
    let mut set = ProfileSet::default();
    let mut current: Option<(Kind, Profile)> = None;
    let mut open = Open::Nothing;
    let err = |line_no: usize, what: &str| ProfileError(format!("{path} line {line_no}: {what}"));
    let finish = |current: Option<(Kind, Profile)>, set: &mut ProfileSet| {
        let Some((kind, section)) = current else { return };
        let target = match kind {
            Kind::Profile => &mut set.profiles,
            Kind::SsoSession => &mut set.sso_sessions,
            Kind::Services => &mut set.services,
            Kind::ShadowedDefault | Kind::Ignored => return,
        };
        target.entry(section.name.clone()).or_insert_with(|| Profile::named(&section.name)).merge(section);
    };
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let in_ignored = matches!(current, Some((Kind::Ignored | Kind::ShadowedDefault, _)));
        if raw.starts_with([' ', '\t']) {
            let Some((_, section)) = current.as_mut() else {
                return Err(err(line_no, "indented line outside any section"));
            };
            match &open {
                Open::Value(key) => {
                    // Continuation lines are kept verbatim, comment characters included.
                    let value = section.settings.entry(key.clone()).or_default();
                    value.push('\n');
                    value.push_str(trimmed);
                }
                Open::Sub(key) => match trimmed.split_once('=') {
                    Some((sub, value)) if !sub.trim().is_empty() => {
                        let sub = sub.trim().to_ascii_lowercase();
                        if valid_name(&sub) {
                            section.sub_settings.entry(key.clone()).or_default().insert(sub, value.trim().to_owned());
                        }
                    }
                    _ if in_ignored => {}
                    _ => return Err(err(line_no, &format!("expected `name = value` under `{key} =`"))),
                },
                Open::Nothing if in_ignored => {}
                Open::Nothing => return Err(err(line_no, "indented line with no setting to continue")),
            }
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let Some((inside, after)) = header.split_once(']') else {
                return Err(err(line_no, "section header without ']'"));
            };
            let after = after.trim();
            if !after.is_empty() && !after.starts_with(['#', ';']) {
                return Err(err(line_no, "unexpected text after the section header"));
            }
            finish(current.take(), &mut set);
            let (kind, name) = section(inside, config_file, has_prefixed_default);
            current = Some((kind, Profile::named(&name)));
            open = Open::Nothing;
            continue;
        }
        let Some((_, section)) = current.as_mut() else {
            return Err(err(line_no, "setting outside any section"));
        };
        let parsed = trimmed.split_once('=').map(|(k, v)| (k.trim(), strip_trailing_comment(v).trim()));
        match parsed {
            Some((key, value)) if !key.is_empty() => {
                let key = key.to_ascii_lowercase();
                if !valid_name(&key) {
                    open = Open::Nothing;
                    continue;
                }
                section.settings.insert(key.clone(), value.to_owned());
                open = if value.is_empty() { Open::Sub(key) } else { Open::Value(key) };
            }
            _ if in_ignored => open = Open::Nothing,
            Some(_) => return Err(err(line_no, "setting with an empty name")),
            None => return Err(err(line_no, "expected `key = value`")),
        }
    }
    finish(current, &mut set);
    Ok(set)
}

/// Both files parsed and merged (credentials file keys winning); missing files are empty.
pub fn load_files(env: &OsEnv) -> Result<ProfileSet, ProfileError> {
    let config_path = env.var("AWS_CONFIG_FILE").map(|p| env.expand(&p)).or_else(|| env.home().map(|h| h.join(".aws/config")));
    let creds_path =
        env.var("AWS_SHARED_CREDENTIALS_FILE").map(|p| env.expand(&p)).or_else(|| env.home().map(|h| h.join(".aws/credentials")));
    let mut merged = ProfileSet::default();
    for (path, is_config) in [(config_path, true), (creds_path, false)] {
        let Some(path) = path else { continue };
        let Some(text) = env.read_file(&path).map_err(ProfileError)? else { continue };
        merged.merge(parse(&text, is_config, &path.display().to_string())?);
    }
    Ok(merged)
}

/// The active profile (`AWS_PROFILE`, else `default`) merged from both
/// files, credentials file keys winning; `Ok(None)` when neither file has it.
#[cfg_attr(not(feature = "test-util"), allow(dead_code))]
pub fn load(env: &OsEnv) -> Result<Option<Profile>, ProfileError> {
    load_named(env, &active_name(env))
}

/// The name of the active profile.
pub fn active_name(env: &OsEnv) -> String {
    env.var("AWS_PROFILE").unwrap_or_else(|| "default".to_owned())
}

/// Profile `name` merged from both files.
pub fn load_named(env: &OsEnv, name: &str) -> Result<Option<Profile>, ProfileError> {
    Ok(load_files(env)?.profiles.remove(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Profile {
        parse(text, true, "cfg").unwrap().profile("foo").cloned().unwrap_or_else(|| panic!("no profile foo in {text:?}"))
    }

    #[test]
    fn parses_both_files_and_merges_the_active_profile() {
        let config = "# comment\n[default]\nregion = us-west-2\n\n[profile metering]\nregion = eu-west-1 ; trailing\nmax_attempts=5\ns3 =\n  addressing_style = path\n[sso-session x]\nsso_region = us-east-1\n";
        let creds = "[metering]\naws_access_key_id = AKID\naws_secret_access_key = se#cret\nregion = ap-south-1\n";
        let env = OsEnv::fake(
            [("HOME", "/home/u"), ("AWS_PROFILE", "metering")],
            [("/home/u/.aws/config", config), ("/home/u/.aws/credentials", creds)],
        );
        let p = load(&env).unwrap().unwrap();
        assert_eq!(p.get("region"), Some("ap-south-1"), "the credentials file wins");
        assert_eq!(p.get("max_attempts"), Some("5"));
        assert_eq!(p.get("aws_secret_access_key"), Some("se#cret"), "# inside a value is not a comment");
        assert_eq!(p.get_sub("s3", "addressing_style"), Some("path"));
        let default = load_named(&env, "default").unwrap().unwrap();
        assert_eq!(default.get("region"), Some("us-west-2"));
        assert_eq!(load_named(&env, "x").unwrap(), None, "sso-session sections are not profiles");
        assert_eq!(load_files(&env).unwrap().sso_session("x").and_then(|s| s.get("sso_region")), Some("us-east-1"));
    }

    #[test]
    fn comments_values_and_continuations_follow_the_format() {
        assert_eq!(one("[profile foo] # c\nname = value # Comment with # sign").get("name"), Some("value"));
        assert_eq!(one("[profile foo]; c\nname = value ; c ; d").get("name"), Some("value"));
        assert_eq!(one("[profile foo]\nname = value; adjacent\n").get("name"), Some("value; adjacent"));
        assert_eq!(one("[profile foo]\nname = val=ue").get("name"), Some("val=ue"));
        assert_eq!(one("[profile foo]\nname \t=  \tvalue \t").get("name"), Some("value"));
        assert_eq!(
            one("[profile foo]\nname = value\n \t -continued # kept \t\n -more").get("name"),
            Some("value\n-continued # kept\n-more")
        );
        let mixed = one("[profile foo]\nname = value1\n value2 = 12 \n value3\nname3 =\n name3_0 = 1\n\n in valid = x\n");
        assert_eq!(mixed.get("name"), Some("value1\nvalue2 = 12\nvalue3"));
        assert_eq!(mixed.get_sub("name3", "name3_0"), Some("1"));
        assert_eq!(one("[profile foo]\nin valid = value\nok = 1").get("ok"), Some("1"), "invalid key names are skipped");
        assert_eq!(one("\u{feff}[profile foo]\r\nname = value\r\n").get("name"), Some("value"), "BOM and CRLF");
        assert_eq!(one("[   profile \tfoo  ]\nname = v").get("name"), Some("v"));
        assert_eq!(one("[profile foo]\nName = v").get("name"), Some("v"), "keys are case-insensitive");
    }

    #[test]
    fn section_kinds_and_the_default_profile() {
        let set = parse("[profile default]\na = 1\n[default]\nb = 2\n[profile default]\nc = 3\n", true, "cfg").unwrap();
        let d = set.profile("default").unwrap();
        assert_eq!((d.get("a"), d.get("b"), d.get("c")), (Some("1"), None, Some("3")), "[profile default] wins over [default]");
        let set = parse("[foo]\na = 1\n[profilefoo]\nb = 2\n[profile in valid]\nc = 3\n[sso-session]\nd = 4\n[whatever x]\ne =\n\tf = g\n  stray\n[profile bar]\n", true, "cfg").unwrap();
        assert_eq!(set.profile_names().collect::<Vec<_>>(), ["bar"], "only [profile bar] is a profile");
        let creds = parse("[foo]\na = 1\n[profile bar]\nb = 2\n[sso-session s]\nc = 3\n", false, "creds").unwrap();
        assert_eq!(creds.profile_names().collect::<Vec<_>>(), ["foo"], "prefixed sections are not profiles in the credentials file");
        let services = parse("[default]\nservices = local\n[services local]\nmarketplace_metering =\n  endpoint_url = http://127.0.0.1:9/\ns3 =\n\tendpoint_url = http://s3\n", true, "cfg").unwrap();
        assert_eq!(services.profile("default").unwrap().get("services"), Some("local"));
        assert_eq!(services.services("local").unwrap().get_sub("marketplace_metering", "endpoint_url"), Some("http://127.0.0.1:9/"));
    }

    #[test]
    fn malformed_files_name_the_line() {
        for (text, message) in [
            ("[default\nregion=x", "cfg line 1: section header without ']'"),
            ("[default]\njust words", "cfg line 2: expected `key = value`"),
            ("name = value", "cfg line 1: setting outside any section"),
            ("  -continued", "cfg line 1: indented line outside any section"),
            ("[profile foo]\n -continued", "cfg line 2: indented line with no setting to continue"),
            ("[profile foo]\na = 1\n[profile foo]\n -continued", "cfg line 4: indented line with no setting to continue"),
            ("[profile foo]\n= value", "cfg line 2: setting with an empty name"),
            ("[profile foo]\ns3 =\n invalid", "cfg line 3: expected `name = value` under `s3 =`"),
            ("[profile foo] junk", "cfg line 1: unexpected text after the section header"),
        ] {
            assert_eq!(parse(text, true, "cfg").unwrap_err().0, message, "{text:?}");
        }
    }

    #[test]
    fn debug_shows_key_names_not_values() {
        let p = one("[profile foo]\naws_secret_access_key = verysecret\naws_session_token = tok3n\ns3 =\n  x = hidden");
        let shown = format!("{p:?}");
        assert!(shown.contains("aws_secret_access_key") && shown.contains("s3"), "{shown}");
        for secret in ["verysecret", "tok3n", "hidden"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn missing_files_are_not_errors() {
        let env = OsEnv::fake([("HOME", "/nowhere")], []);
        assert_eq!(load(&env).unwrap(), None);
    }
}
