//! `cargo xtask diff` on real history: the upstream model as AWS published
//! it on 2026-02-26 (`../shared/models/`) against ours, which carries the
//! 2026-10-20 additions. The diff must name exactly what changed for a Rust
//! user, the builder that stopped being fallible first. Needs `../shared/`.

use integration_tests::shared_dir;
use xtask::codegen::workspace_root;

fn real_history() -> Option<Vec<codegen::api::Change>> {
    let shared = shared_dir()?;
    let old = std::fs::read_to_string(shared.join("models/marketplace-metering.json")).unwrap();
    let new = std::fs::read_to_string(workspace_root().join("model/marketplace-metering.json")).unwrap();
    let options = codegen::Options { package: Some("mpkit-metering".into()), ..codegen::Options::default() };
    Some(codegen::api::diff_models(&old, &new, &options).unwrap())
}

#[test]
fn the_2026_10_20_change_is_reported_exactly() {
    let Some(changes) = real_history() else { return };
    let mut found: Vec<String> = changes
        .iter()
        .filter(|c| c.class != codegen::api::Class::Documentation)
        .map(|c| format!("{} {}", c.class.as_str(), c.item))
        .collect();
    found.sort();
    let mut expected = vec![
        "breaking types::UsageAllocation.allocated_usage_quantity",
        "breaking types::UsageAllocation::allocated_usage_quantity",
        "breaking types::builders::UsageAllocationBuilder::build",
        "behaviour model shape com.amazonaws.marketplacemetering#AWSMPMeteringService",
        "additive operation::meter_usage::MeterUsageInput.usage_quantity",
        "additive operation::meter_usage::MeterUsageInput.usage_quantity_as_decimal",
        "additive operation::meter_usage::MeterUsageInput.usage_quantity_as_decimal (length max)",
        "additive operation::meter_usage::MeterUsageInput.usage_quantity_as_decimal (length min)",
        "additive operation::meter_usage::MeterUsageInput::usage_quantity",
        "additive operation::meter_usage::MeterUsageInput::usage_quantity_as_decimal",
        "additive operation::meter_usage::builders::MeterUsageFluentBuilder::get_usage_quantity",
        "additive operation::meter_usage::builders::MeterUsageFluentBuilder::get_usage_quantity_as_decimal",
        "additive operation::meter_usage::builders::MeterUsageFluentBuilder::set_usage_quantity",
        "additive operation::meter_usage::builders::MeterUsageFluentBuilder::set_usage_quantity_as_decimal",
        "additive operation::meter_usage::builders::MeterUsageFluentBuilder::usage_quantity",
        "additive operation::meter_usage::builders::MeterUsageFluentBuilder::usage_quantity_as_decimal",
        "additive operation::meter_usage::builders::MeterUsageInputBuilder::get_usage_quantity",
        "additive operation::meter_usage::builders::MeterUsageInputBuilder::get_usage_quantity_as_decimal",
        "additive operation::meter_usage::builders::MeterUsageInputBuilder::set_usage_quantity",
        "additive operation::meter_usage::builders::MeterUsageInputBuilder::set_usage_quantity_as_decimal",
        "additive operation::meter_usage::builders::MeterUsageInputBuilder::usage_quantity",
        "additive operation::meter_usage::builders::MeterUsageInputBuilder::usage_quantity_as_decimal",
        "additive operation::resolve_customer::ResolveCustomerOutput.metadata",
        "additive operation::resolve_customer::ResolveCustomerOutput::metadata",
        "additive operation::resolve_customer::builders::ResolveCustomerOutputBuilder::get_metadata",
        "additive operation::resolve_customer::builders::ResolveCustomerOutputBuilder::metadata",
        "additive operation::resolve_customer::builders::ResolveCustomerOutputBuilder::set_metadata",
        "additive types::Metadata",
        "additive types::Metadata.agreement_id",
        "additive types::Metadata::agreement_id",
        "additive types::Metadata::builder",
        "additive types::UsageAllocation.allocated_usage_quantity",
        "additive types::UsageAllocation.allocated_usage_quantity_as_decimal",
        "additive types::UsageAllocation.allocated_usage_quantity_as_decimal (length max)",
        "additive types::UsageAllocation.allocated_usage_quantity_as_decimal (length min)",
        "additive types::UsageAllocation::allocated_usage_quantity",
        "additive types::UsageAllocation::allocated_usage_quantity_as_decimal",
        "additive types::UsageRecord.quantity",
        "additive types::UsageRecord.quantity_as_decimal",
        "additive types::UsageRecord.quantity_as_decimal (length max)",
        "additive types::UsageRecord.quantity_as_decimal (length min)",
        "additive types::UsageRecord::quantity",
        "additive types::UsageRecord::quantity_as_decimal",
        "additive types::builders::MetadataBuilder",
        "additive types::builders::MetadataBuilder::agreement_id",
        "additive types::builders::MetadataBuilder::build",
        "additive types::builders::MetadataBuilder::get_agreement_id",
        "additive types::builders::MetadataBuilder::set_agreement_id",
        "additive types::builders::UsageAllocationBuilder::allocated_usage_quantity",
        "additive types::builders::UsageAllocationBuilder::allocated_usage_quantity_as_decimal",
        "additive types::builders::UsageAllocationBuilder::get_allocated_usage_quantity",
        "additive types::builders::UsageAllocationBuilder::get_allocated_usage_quantity_as_decimal",
        "additive types::builders::UsageAllocationBuilder::set_allocated_usage_quantity",
        "additive types::builders::UsageAllocationBuilder::set_allocated_usage_quantity_as_decimal",
        "additive types::builders::UsageRecordBuilder::get_quantity",
        "additive types::builders::UsageRecordBuilder::get_quantity_as_decimal",
        "additive types::builders::UsageRecordBuilder::quantity",
        "additive types::builders::UsageRecordBuilder::quantity_as_decimal",
        "additive types::builders::UsageRecordBuilder::set_quantity",
        "additive types::builders::UsageRecordBuilder::set_quantity_as_decimal",
    ];
    expected.sort();
    assert_eq!(found, expected);

    let build = changes.iter().find(|c| c.item == "types::builders::UsageAllocationBuilder::build").unwrap();
    assert_eq!(
        build.what,
        "can no longer fail: returns `UsageAllocation`, was `Result<UsageAllocation, BuildError>`; \
         `?`, `.unwrap()` and `match` on its result no longer compile"
    );
    assert_eq!(build.source.as_deref(), Some("UsageAllocation"));
    let getter =
        changes.iter().find(|c| c.item == "types::UsageAllocation::allocated_usage_quantity" && c.class == codegen::api::Class::Breaking);
    assert_eq!(getter.map(|c| c.what.as_str()), Some("now optional: returns `Option<i32>`, was `i32`"));
    assert_eq!(codegen::api::Bump::of(&changes), codegen::api::Bump::Major);
    // Our documentation is our own words, so every documented item differs.
    assert!(changes.iter().filter(|c| c.class == codegen::api::Class::Documentation).count() > 100);
}

#[test]
fn the_report_ends_with_the_bump_and_the_json_says_the_same() {
    let Some(changes) = real_history() else { return };
    let text = codegen::api::report(&changes, "0.1.0", false);
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("3 breaking, 56 additive, 1 behaviour, "), "{last}");
    assert!(last.ends_with("a major version bump (0.1.0 → 0.2.0 at least)"), "{last}");
    assert!(text
        .lines()
        .next()
        .unwrap()
        .starts_with("breaking      types::UsageAllocation.allocated_usage_quantity [UsageAllocation$AllocatedUsageQuantity]"));
    assert!(!text.contains("documentation changed"), "documentation-only changes are counted, not listed");
    let json: serde_json::Value = serde_json::from_str(&codegen::api::report_json(&changes, "0.1.0")).unwrap();
    assert_eq!((json["bump"].as_str(), json["next_version"].as_str()), (Some("major"), Some("0.2.0")));
    assert_eq!(json["changes"].as_array().unwrap().len(), changes.len());
    assert_eq!(json["changes"][0]["source"], "UsageAllocation$AllocatedUsageQuantity");
}

#[test]
fn regenerating_the_2026_change_needs_the_breaking_version_bump() {
    let Some(shared) = shared_dir() else { return };
    let old = std::fs::read_to_string(shared.join("models/marketplace-metering.json")).unwrap();
    let new = std::fs::read_to_string(workspace_root().join("model/marketplace-metering.json")).unwrap();
    let options =
        |version: &str| codegen::Options { package: Some("mpkit-metering".into()), version: version.into(), ..codegen::Options::default() };
    // A crate folder as the upstream model left it at 0.1.0.
    let out = std::env::temp_dir().join(format!("model-diff-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let before = codegen::generate(&old, &options("0.1.0")).unwrap();
    std::fs::write(out.join(codegen::api::SNAPSHOT_FILE), &before[codegen::api::SNAPSHOT_FILE]).unwrap();

    let same_version = codegen::generate(&new, &options("0.1.0")).unwrap();
    let err = xtask::codegen::check_version(&out, &same_version).unwrap_err();
    assert!(err.contains("needs version 0.2.0 or later, but the version is still 0.1.0; raise it in codegen.toml"), "{err}");
    assert!(err.contains("types::builders::UsageAllocationBuilder::build"), "{err}");
    assert!(xtask::codegen::check_version(&out, &codegen::generate(&new, &options("0.1.9")).unwrap()).is_err());
    xtask::codegen::check_version(&out, &codegen::generate(&new, &options("0.2.0")).unwrap()).unwrap();
    // Regenerating the same model at the same version is always allowed.
    xtask::codegen::check_version(&out, &before).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
}

/// `cargo xtask diff` over every service of `../shared/models/newest/` against
/// the same service in `../shared/models/aws/` (two days of AWS's models):
/// no panic, no error, and every change counted in the report's total line.
#[test]
fn every_newest_marketplace_model_diffs_against_its_older_day() {
    let Some(shared) = shared_dir() else { return };
    let mut pairs = 0;
    for entry in std::fs::read_dir(shared.join("models/newest")).unwrap() {
        let new_path = entry.unwrap().path();
        if new_path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let service = new_path.file_stem().unwrap().to_string_lossy().into_owned();
        let Some(old_path) = std::fs::read_dir(shared.join("models/aws").join(&service).join("service"))
            .ok()
            .and_then(|mut versions| versions.next())
            .and_then(|v| std::fs::read_dir(v.unwrap().path()).ok()?.next())
            .map(|f| f.unwrap().path())
        else {
            continue;
        };
        let (old, new) = (std::fs::read_to_string(&old_path).unwrap(), std::fs::read_to_string(&new_path).unwrap());
        let options = codegen::Options { package: Some(service.clone()), ..codegen::Options::default() };
        let changes = codegen::api::diff_models(&old, &new, &options).unwrap_or_else(|e| panic!("{service}: {e}"));
        assert!(!changes.is_empty(), "{service}: two days of the model differ");
        let text = codegen::api::report(&changes, "1.0.0", true);
        let listed = text.lines().count() - 1;
        assert_eq!(listed, changes.len(), "{service}: every change is listed with --docs");
        let total: usize = text
            .lines()
            .last()
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .split(", ")
            .map(|part| part.split_whitespace().next().unwrap().parse::<usize>().unwrap())
            .sum();
        assert_eq!(total, changes.len(), "{service}: the total line counts every change: {}", text.lines().last().unwrap());
        pairs += 1;
    }
    assert!(pairs >= 3, "Metering, Entitlement and Agreement are in both days; found {pairs}");
}

/// The Entitlement crate speaks RPC v2 CBOR by default and awsJson1_1 when
/// `codegen.toml` says so: one public API either way (what `cargo xtask
/// codegen` compares a regeneration against), so switching is not a change
/// for its users.
#[test]
fn the_entitlement_crate_has_one_public_api_in_both_protocols() {
    let model = std::fs::read_to_string(workspace_root().join("model/marketplace-entitlement-service.json")).unwrap();
    let api = |protocol: &str| {
        let options = codegen::Options {
            package: Some("mpkit-entitlement".into()),
            protocol: Some(protocol.to_owned()),
            ..codegen::Options::default()
        };
        let files = codegen::generate(&model, &options).unwrap();
        (files[codegen::api::SNAPSHOT_FILE].clone(), files["src/config.rs"].clone())
    };
    let (cbor, cbor_config) = api("smithy.protocols#rpcv2Cbor");
    let (json, json_config) = api("aws.protocols#awsJson1_1");
    assert_eq!(cbor, json);
    assert!(cbor_config.contains("Protocol::RpcV2Cbor") && json_config.contains("Protocol::AwsJson1_1"));
    let committed = std::fs::read_to_string(workspace_root().join("generated/marketplaceentitlement/public-api.txt")).unwrap();
    assert_eq!(committed, cbor, "the committed crate is the CBOR one, with that API");
}
