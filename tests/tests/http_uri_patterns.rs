//! Every `@http` URI pattern of AWS's models (`../shared/models/aws/`) parses
//! with the generator's pattern parser, and the labels of each name members
//! of the operation's input that carry `@httpLabel`. Needs `../shared/`.

use integration_tests::shared_dir;

/// The JSON files under `dir`, recursively.
fn models(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            models(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_http_uri_of_every_aws_model_parses_and_its_labels_are_members() {
    let Some(shared) = shared_dir() else { return };
    let mut files = Vec::new();
    models(&shared.join("models/aws"), &mut files);
    let (mut patterns, mut labels, mut greedy, mut with_query) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for file in files {
        let model: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let Some(shapes) = model["shapes"].as_object() else { continue };
        for (id, shape) in shapes {
            let Some(uri) = shape["traits"]["smithy.api#http"]["uri"].as_str() else { continue };
            patterns += 1;
            let pattern = match codegen::http_uri::parse(uri) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(format!("{id}: {e}"));
                    continue;
                }
            };
            with_query += usize::from(!pattern.query.is_empty());
            let input = shape["input"]["target"].as_str().and_then(|t| shapes.get(t));
            for (name, is_greedy) in pattern.labels() {
                labels += 1;
                greedy += usize::from(is_greedy);
                let bound = input.and_then(|i| i["members"].get(name)).is_some_and(|m| m["traits"].get("smithy.api#httpLabel").is_some());
                if !bound {
                    problems.push(format!("{id}: `{uri}` label {name} is no @httpLabel member of the input"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    println!("{patterns} @http patterns, {labels} labels ({greedy} greedy), {with_query} with query literals");
    assert_eq!((patterns, greedy, with_query), (8954, 99, 166));
}
