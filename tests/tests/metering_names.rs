//! Every Rust name the generator gives the Marketplace Metering model, as a
//! table: the names are the public API, and they must match the official
//! `aws-sdk-marketplacemetering` crate's so that code ports unchanged.

use codegen::ir::{Ir, Role, Shape};
use codegen::naming;
use xtask::codegen::workspace_root;

fn metering_ir() -> Ir {
    let json = std::fs::read_to_string(workspace_root().join("model/marketplace-metering.json")).unwrap();
    let model = codegen::ast::load(&json).unwrap();
    let service = codegen::validate::validate(&model).unwrap();
    let protocol = codegen::validate::protocol_of(&model, &service, None).unwrap();
    codegen::lower::lower(&model, &codegen::normalise::normalise(&model).unwrap(), &service, protocol).unwrap()
}

const MEMBERS: &str = "
BatchMeterUsageInput.UsageRecords usage_records
BatchMeterUsageInput.ProductCode product_code
BatchMeterUsageOutput.Results results
BatchMeterUsageOutput.UnprocessedRecords unprocessed_records
Metadata.AgreementId agreement_id
MeterUsageInput.ProductCode product_code
MeterUsageInput.Timestamp timestamp
MeterUsageInput.UsageDimension usage_dimension
MeterUsageInput.UsageQuantity usage_quantity
MeterUsageInput.UsageQuantityAsDecimal usage_quantity_as_decimal
MeterUsageInput.DryRun dry_run
MeterUsageInput.UsageAllocations usage_allocations
MeterUsageInput.ClientToken client_token
MeterUsageOutput.MeteringRecordId metering_record_id
RegisterUsageInput.ProductCode product_code
RegisterUsageInput.PublicKeyVersion public_key_version
RegisterUsageInput.Nonce nonce
RegisterUsageOutput.PublicKeyRotationTimestamp public_key_rotation_timestamp
RegisterUsageOutput.Signature signature
ResolveCustomerInput.RegistrationToken registration_token
ResolveCustomerOutput.CustomerIdentifier customer_identifier
ResolveCustomerOutput.ProductCode product_code
ResolveCustomerOutput.CustomerAWSAccountId customer_aws_account_id
ResolveCustomerOutput.LicenseArn license_arn
ResolveCustomerOutput.Metadata metadata
Tag.Key key
Tag.Value value
UsageAllocation.AllocatedUsageQuantity allocated_usage_quantity
UsageAllocation.AllocatedUsageQuantityAsDecimal allocated_usage_quantity_as_decimal
UsageAllocation.Tags tags
UsageRecord.Timestamp timestamp
UsageRecord.CustomerIdentifier customer_identifier
UsageRecord.Dimension dimension
UsageRecord.Quantity quantity
UsageRecord.QuantityAsDecimal quantity_as_decimal
UsageRecord.UsageAllocations usage_allocations
UsageRecord.CustomerAWSAccountId customer_aws_account_id
UsageRecord.LicenseArn license_arn
UsageRecordResult.UsageRecord usage_record
UsageRecordResult.MeteringRecordId metering_record_id
UsageRecordResult.Status status
";

#[test]
fn every_member_name_matches_the_table() {
    let ir = metering_ir();
    let mut actual = Vec::new();
    for shape in ir.shapes.values() {
        let Shape::Structure(s) = shape else { continue };
        if s.error.is_some() {
            // Every error has one member, `message`, checked below.
            assert_eq!(s.members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["message"], "{}", s.name);
            assert_eq!(naming::member_name("message", naming::Place::Error), "message");
            continue;
        }
        let place = naming::place_of(s.role, false);
        for m in &s.members {
            actual.push(format!("{}.{} {}", naming::type_name(&s.name), m.name, naming::member_name(&m.name, place)));
        }
    }
    let mut expected: Vec<String> = MEMBERS.trim().lines().map(str::to_owned).collect();
    expected.sort();
    actual.sort();
    assert_eq!(actual, expected);
}

#[test]
fn types_variants_operations_and_errors_match_the_official_names() {
    let ir = metering_ir();
    let types: Vec<String> = ir
        .shapes
        .values()
        .filter(|s| !matches!(s, Shape::Structure(st) if st.role != Role::Plain || st.error.is_some()))
        .map(|s| naming::type_name(s.name()))
        .collect();
    assert_eq!(types, ["Metadata", "Tag", "UsageAllocation", "UsageRecord", "UsageRecordResult", "UsageRecordResultStatus"]);
    let Shape::Enum(status) = ir.shapes.values().find(|s| s.name() == "UsageRecordResultStatus").unwrap() else { panic!() };
    let variants: Vec<String> = status.variants.iter().map(|v| naming::variant_name(&v.name)).collect();
    assert_eq!(variants, ["Success", "CustomerNotSubscribed", "DuplicateRecord"]);
    let ops: Vec<(String, String, String)> = ir
        .operations
        .iter()
        .map(|o| (naming::operation_module(&o.name), naming::operation_error(&o.name), naming::fluent_builder(&o.name)))
        .collect();
    assert_eq!(
        ops,
        [
            ("batch_meter_usage".into(), "BatchMeterUsageError".into(), "BatchMeterUsageFluentBuilder".into()),
            ("meter_usage".into(), "MeterUsageError".into(), "MeterUsageFluentBuilder".into()),
            ("register_usage".into(), "RegisterUsageError".into(), "RegisterUsageFluentBuilder".into()),
            ("resolve_customer".into(), "ResolveCustomerError".into(), "ResolveCustomerFluentBuilder".into()),
        ]
    );
    let errors: Vec<String> = ir.errors().map(|e| naming::error_predicate(&e.name)).collect();
    assert_eq!(errors.len(), 19, "the upstream model defines 19 error structures");
    assert!(errors.contains(&"is_customer_not_entitled_exception".to_owned()));
    assert!(errors.contains(&"is_timestamp_out_of_bounds_exception".to_owned()));
}
