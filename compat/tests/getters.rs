//! Every getter of the official crate (1.124.0), with its signature, must
//! exist in ours with the same signature, so that code reading outputs,
//! inputs and errors ports by the rename. The check is the compiler's: each
//! line coerces the getter to a function pointer of the official signature,
//! for both crates.
//!
//! One known difference, from the model rather than the generator:
//! `UsageAllocation::allocated_usage_quantity` is `i32` in 1.124.0 and
//! `Option<i32>` here, because the 2026-10-20 model made the member optional
//! (the official crate generated from that model changes the same way).

// Getters our 2026-10-20 model deprecates (integer quantities) are checked too.
#![allow(deprecated)]

macro_rules! every_official_getter {
    ($c:ident) => {{
        let _: fn(&$c::operation::batch_meter_usage::BatchMeterUsageInput) -> &[$c::types::UsageRecord] =
            $c::operation::batch_meter_usage::BatchMeterUsageInput::usage_records;
        let _: fn(&$c::operation::batch_meter_usage::BatchMeterUsageInput) -> Option<&str> =
            $c::operation::batch_meter_usage::BatchMeterUsageInput::product_code;
        let _: fn(&$c::operation::batch_meter_usage::BatchMeterUsageOutput) -> &[$c::types::UsageRecordResult] =
            $c::operation::batch_meter_usage::BatchMeterUsageOutput::results;
        let _: fn(&$c::operation::batch_meter_usage::BatchMeterUsageOutput) -> &[$c::types::UsageRecord] =
            $c::operation::batch_meter_usage::BatchMeterUsageOutput::unprocessed_records;
        let _: fn(&$c::operation::meter_usage::MeterUsageInput) -> Option<&str> = $c::operation::meter_usage::MeterUsageInput::product_code;
        let _: fn(&$c::operation::meter_usage::MeterUsageInput) -> Option<&$c::primitives::DateTime> =
            $c::operation::meter_usage::MeterUsageInput::timestamp;
        let _: fn(&$c::operation::meter_usage::MeterUsageInput) -> Option<&str> =
            $c::operation::meter_usage::MeterUsageInput::usage_dimension;
        let _: fn(&$c::operation::meter_usage::MeterUsageInput) -> Option<i32> =
            $c::operation::meter_usage::MeterUsageInput::usage_quantity;
        let _: fn(&$c::operation::meter_usage::MeterUsageInput) -> Option<bool> = $c::operation::meter_usage::MeterUsageInput::dry_run;
        let _: fn(&$c::operation::meter_usage::MeterUsageInput) -> &[$c::types::UsageAllocation] =
            $c::operation::meter_usage::MeterUsageInput::usage_allocations;
        let _: fn(&$c::operation::meter_usage::MeterUsageInput) -> Option<&str> = $c::operation::meter_usage::MeterUsageInput::client_token;
        let _: fn(&$c::operation::meter_usage::MeterUsageOutput) -> Option<&str> =
            $c::operation::meter_usage::MeterUsageOutput::metering_record_id;
        let _: fn(&$c::operation::register_usage::RegisterUsageInput) -> Option<&str> =
            $c::operation::register_usage::RegisterUsageInput::product_code;
        let _: fn(&$c::operation::register_usage::RegisterUsageInput) -> Option<i32> =
            $c::operation::register_usage::RegisterUsageInput::public_key_version;
        let _: fn(&$c::operation::register_usage::RegisterUsageInput) -> Option<&str> =
            $c::operation::register_usage::RegisterUsageInput::nonce;
        let _: fn(&$c::operation::register_usage::RegisterUsageOutput) -> Option<&$c::primitives::DateTime> =
            $c::operation::register_usage::RegisterUsageOutput::public_key_rotation_timestamp;
        let _: fn(&$c::operation::register_usage::RegisterUsageOutput) -> Option<&str> =
            $c::operation::register_usage::RegisterUsageOutput::signature;
        let _: fn(&$c::operation::resolve_customer::ResolveCustomerInput) -> Option<&str> =
            $c::operation::resolve_customer::ResolveCustomerInput::registration_token;
        let _: fn(&$c::operation::resolve_customer::ResolveCustomerOutput) -> Option<&str> =
            $c::operation::resolve_customer::ResolveCustomerOutput::customer_identifier;
        let _: fn(&$c::operation::resolve_customer::ResolveCustomerOutput) -> Option<&str> =
            $c::operation::resolve_customer::ResolveCustomerOutput::product_code;
        let _: fn(&$c::operation::resolve_customer::ResolveCustomerOutput) -> Option<&str> =
            $c::operation::resolve_customer::ResolveCustomerOutput::customer_aws_account_id;
        let _: fn(&$c::operation::resolve_customer::ResolveCustomerOutput) -> Option<&str> =
            $c::operation::resolve_customer::ResolveCustomerOutput::license_arn;
        let _: fn(&$c::operation::resolve_customer::ResolveCustomerOutput) -> Option<&$c::types::Metadata> =
            $c::operation::resolve_customer::ResolveCustomerOutput::metadata;
        let _: fn(&$c::types::Metadata) -> Option<&str> = $c::types::Metadata::agreement_id;
        let _: fn(&$c::types::Tag) -> &str = $c::types::Tag::key;
        let _: fn(&$c::types::Tag) -> &str = $c::types::Tag::value;
        let _: fn(&$c::types::UsageAllocation) -> &[$c::types::Tag] = $c::types::UsageAllocation::tags;
        let _: fn(&$c::types::UsageRecord) -> &$c::primitives::DateTime = $c::types::UsageRecord::timestamp;
        let _: fn(&$c::types::UsageRecord) -> &str = $c::types::UsageRecord::customer_identifier;
        let _: fn(&$c::types::UsageRecord) -> &str = $c::types::UsageRecord::dimension;
        let _: fn(&$c::types::UsageRecord) -> Option<i32> = $c::types::UsageRecord::quantity;
        let _: fn(&$c::types::UsageRecord) -> &[$c::types::UsageAllocation] = $c::types::UsageRecord::usage_allocations;
        let _: fn(&$c::types::UsageRecord) -> Option<&str> = $c::types::UsageRecord::customer_aws_account_id;
        let _: fn(&$c::types::UsageRecord) -> Option<&str> = $c::types::UsageRecord::license_arn;
        let _: fn(&$c::types::UsageRecordResult) -> Option<&$c::types::UsageRecord> = $c::types::UsageRecordResult::usage_record;
        let _: fn(&$c::types::UsageRecordResult) -> Option<&str> = $c::types::UsageRecordResult::metering_record_id;
        let _: fn(&$c::types::UsageRecordResult) -> Option<&$c::types::UsageRecordResultStatus> = $c::types::UsageRecordResult::status;
        let _: fn(&$c::types::UsageRecordResultStatus) -> &str = $c::types::UsageRecordResultStatus::as_str;
        let _: fn(&$c::types::error::CustomerNotEntitledException) -> Option<&str> =
            $c::types::error::CustomerNotEntitledException::message;
        let _: fn(&$c::types::error::DisabledApiException) -> Option<&str> = $c::types::error::DisabledApiException::message;
        let _: fn(&$c::types::error::DuplicateRequestException) -> Option<&str> = $c::types::error::DuplicateRequestException::message;
        let _: fn(&$c::types::error::ExpiredTokenException) -> Option<&str> = $c::types::error::ExpiredTokenException::message;
        let _: fn(&$c::types::error::IdempotencyConflictException) -> Option<&str> =
            $c::types::error::IdempotencyConflictException::message;
        let _: fn(&$c::types::error::InternalServiceErrorException) -> Option<&str> =
            $c::types::error::InternalServiceErrorException::message;
        let _: fn(&$c::types::error::InvalidCustomerIdentifierException) -> Option<&str> =
            $c::types::error::InvalidCustomerIdentifierException::message;
        let _: fn(&$c::types::error::InvalidEndpointRegionException) -> Option<&str> =
            $c::types::error::InvalidEndpointRegionException::message;
        let _: fn(&$c::types::error::InvalidLicenseException) -> Option<&str> = $c::types::error::InvalidLicenseException::message;
        let _: fn(&$c::types::error::InvalidProductCodeException) -> Option<&str> = $c::types::error::InvalidProductCodeException::message;
        let _: fn(&$c::types::error::InvalidPublicKeyVersionException) -> Option<&str> =
            $c::types::error::InvalidPublicKeyVersionException::message;
        let _: fn(&$c::types::error::InvalidRegionException) -> Option<&str> = $c::types::error::InvalidRegionException::message;
        let _: fn(&$c::types::error::InvalidTagException) -> Option<&str> = $c::types::error::InvalidTagException::message;
        let _: fn(&$c::types::error::InvalidTokenException) -> Option<&str> = $c::types::error::InvalidTokenException::message;
        let _: fn(&$c::types::error::InvalidUsageAllocationsException) -> Option<&str> =
            $c::types::error::InvalidUsageAllocationsException::message;
        let _: fn(&$c::types::error::InvalidUsageDimensionException) -> Option<&str> =
            $c::types::error::InvalidUsageDimensionException::message;
        let _: fn(&$c::types::error::PlatformNotSupportedException) -> Option<&str> =
            $c::types::error::PlatformNotSupportedException::message;
        let _: fn(&$c::types::error::ThrottlingException) -> Option<&str> = $c::types::error::ThrottlingException::message;
        let _: fn(&$c::types::error::TimestampOutOfBoundsException) -> Option<&str> =
            $c::types::error::TimestampOutOfBoundsException::message;
    }};
}

#[test]
fn every_official_getter_has_its_signature_in_both_crates() {
    every_official_getter!(official);
    every_official_getter!(ours);
}

#[test]
fn the_model_change_of_allocated_usage_quantity_is_the_only_difference() {
    let _: fn(&official::types::UsageAllocation) -> i32 = official::types::UsageAllocation::allocated_usage_quantity;
    let _: fn(&ours::types::UsageAllocation) -> Option<i32> = ours::types::UsageAllocation::allocated_usage_quantity;
}

#[test]
fn a_defaulted_getter_answers_the_default_but_only_what_was_set_is_sent() {
    let record = ours::types::UsageRecord::builder()
        .timestamp(ours::primitives::DateTime::from_secs(1_700_000_000))
        .dimension("d")
        .customer_aws_account_id("123456789012")
        .build()
        .expect("a complete record");
    assert_eq!(record.customer_identifier(), "", "the model's default, as the official getter answers");
    assert!(record.customer_identifier.is_none(), "the field still says it was not set");
}
