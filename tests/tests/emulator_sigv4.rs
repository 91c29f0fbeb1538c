//! The emulator's own SigV4 verifier against the signing specification's
//! vectors (`../shared/conformance/sigv4/v4`): every signed request verifies
//! with its secret, and fails with another secret or a changed body.
//! Needs `../shared/`.

use integration_tests::shared_dir;
use metering_emulator::sigv4::{expected_signature, parse_authorization, Incoming, PathRules};

#[test]
fn the_verifier_accepts_every_vector_and_nothing_else() {
    let Some(shared) = shared_dir() else { return };
    let root = shared.join("conformance/sigv4/v4");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        let context: serde_json::Value = serde_json::from_str(&read("context.json")).unwrap();
        let secret = context["credentials"]["secret_access_key"].as_str().unwrap();
        let rules = PathRules { normalize: context["normalize"].as_bool().unwrap_or(true), double_encode: false };
        let text = read("header-signed-request.txt");
        let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let (method, target) = lines.next().unwrap().strip_suffix(" HTTP/1.1").unwrap().split_once(' ').unwrap();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                let last = headers.last_mut().unwrap();
                last.1.push(' ');
                last.1.push_str(line.trim());
            } else {
                let (n, v) = line.split_once(':').unwrap();
                headers.push((n.to_owned(), v.to_owned()));
            }
        }
        let find = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap();
        let auth = parse_authorization(&find("authorization")).unwrap();
        let amz_date = find("x-amz-date");
        let req = Incoming { method, path, query, headers: &headers, body: body.as_bytes() };
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(expected_signature(&req, &auth, secret, &amz_date, rules).unwrap(), auth.signature, "{name}");
        assert_ne!(expected_signature(&req, &auth, "another secret", &amz_date, rules).unwrap(), auth.signature, "{name}");
        let changed = format!("{body}x");
        let tampered = Incoming { body: changed.as_bytes(), ..req };
        assert_ne!(expected_signature(&tampered, &auth, secret, &amz_date, rules).unwrap(), auth.signature, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 38);
}
