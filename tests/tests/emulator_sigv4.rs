//! The emulator's own SigV4 verifier against the signing specification's
//! vectors (`../shared/conformance/sigv4/v4`): every signed request verifies
//! with its secret, and fails with another secret or a changed body.
//! Needs `../shared/`.

use integration_tests::shared_dir;
use integration_tests::sigv4::parse_vector_request;
use mpkit_emulator::sigv4::{expected_signature, parse_authorization, Incoming, PathRules};

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
        let parsed = parse_vector_request(&read("header-signed-request.txt"));
        let (method, path, query, headers, body) =
            (parsed.method.as_str(), parsed.path.as_str(), parsed.query.as_str(), &parsed.headers, &parsed.body);
        let find = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap();
        let auth = parse_authorization(&find("authorization")).unwrap();
        let amz_date = find("x-amz-date");
        let req = Incoming { method, path, query, headers, body };
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(expected_signature(&req, &auth, secret, &amz_date, rules).unwrap(), auth.signature, "{name}");
        assert_ne!(expected_signature(&req, &auth, "another secret", &amz_date, rules).unwrap(), auth.signature, "{name}");
        let changed = [body.as_slice(), b"x"].concat();
        let tampered = Incoming { body: &changed, ..req };
        assert_ne!(expected_signature(&tampered, &auth, secret, &amz_date, rules).unwrap(), auth.signature, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 38);
}
