//! The `serde` feature: generated types serialise with the model's member
//! names and come back equal, for users who cache or log usage records.

use golden_kitchen_sink::types::{Choice, Color, Nested};
use mpkit_metering::primitives::DateTime;
use mpkit_metering::types::{Tag, UsageAllocation, UsageRecord, UsageRecordResultStatus};
use serde_json::json;

#[test]
fn usage_records_round_trip_with_model_names() {
    let record = UsageRecord::builder()
        .timestamp(DateTime::from_secs(1_700_000_000))
        .dimension("Hosts")
        .customer_aws_account_id("123456789012")
        .quantity_as_decimal("2.5")
        .usage_allocations(
            UsageAllocation::builder()
                .allocated_usage_quantity_as_decimal("2.5")
                .tags(Tag::builder().key("team").value("a").build().unwrap())
                .build(),
        )
        .build()
        .unwrap();
    let value = serde_json::to_value(&record).unwrap();
    assert_eq!(
        value,
        json!({"Timestamp":"2023-11-14T22:13:20Z","Dimension":"Hosts","QuantityAsDecimal":"2.5",
               "UsageAllocations":[{"AllocatedUsageQuantityAsDecimal":"2.5","Tags":[{"Key":"team","Value":"a"}]}],
               "CustomerAWSAccountId":"123456789012"})
    );
    let back: UsageRecord = serde_json::from_value(value).unwrap();
    assert_eq!(back, record);
}

#[test]
fn enums_unions_and_recursion_round_trip() {
    let status: UsageRecordResultStatus = serde_json::from_str("\"CustomerNotSubscribed\"").unwrap();
    assert_eq!(status, UsageRecordResultStatus::CustomerNotSubscribed);
    let future: UsageRecordResultStatus = serde_json::from_str("\"Later\"").unwrap();
    assert_eq!(serde_json::to_string(&future).unwrap(), "\"Later\"", "unknown values survive a round trip");

    let choice = Choice::Again(Box::new(Choice::Nested(Nested::builder().name("n").build().unwrap())));
    let text = serde_json::to_string(&choice).unwrap();
    assert_eq!(text, r#"{"Again":{"Nested":{"Name":"n","Count":0}}}"#);
    assert_eq!(serde_json::from_str::<Choice>(&text).unwrap(), choice);
    assert_eq!(serde_json::to_string(&Color::Red).unwrap(), "\"red\"");
}
