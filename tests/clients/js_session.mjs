// A scripted session against the metering emulator through the AWS SDK for
// JavaScript v3 (@aws-sdk/client-marketplace-metering), a client nobody on
// this project wrote. Usage: node js_session.mjs URL
// Prints one line per check and a closing 'js: N passed, M failed'.
//
// This SDK release's model predates the decimal quantities (it drops
// UsageQuantityAsDecimal and QuantityAsDecimal without a word), so the
// session meters with the integer members.

import {
  MarketplaceMeteringClient,
  MeterUsageCommand,
  BatchMeterUsageCommand,
  ResolveCustomerCommand,
} from "@aws-sdk/client-marketplace-metering";

const url = process.argv[2];
const SELLER = { accessKeyId: "AKIAEXAMPLESELLER001", secretAccessKey: "seller-secret-key-for-the-emulator-only" };
const BUYER = { accessKeyId: "AKIAEXAMPLEBUYER0001", secretAccessKey: "buyer-secret-key-for-the-emulator-only" };
let passed = 0;
let failed = 0;

const client = (credentials, region = "us-east-1") =>
  new MarketplaceMeteringClient({ endpoint: url, region, credentials, maxAttempts: 1 });

function check(name, ok, detail = "") {
  if (ok) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}: ${JSON.stringify(detail)}`);
  }
}

async function codeOf(promise) {
  try {
    await promise;
    return "no error";
  } catch (e) {
    return e.name;
  }
}

const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const ago = (seconds) => new Date(now.getTime() - seconds * 1000);
const buyer = client(BUYER);
const seller = client(SELLER);

const meter = (quantity, timestamp = ago(120)) =>
  buyer.send(new MeterUsageCommand({ ProductCode: "prod-container-1", Timestamp: timestamp, UsageDimension: "vcpu_hours", UsageQuantity: quantity }));
const first = (await meter(7)).MeteringRecordId;
check("MeterUsage bills", Boolean(first));
check("MeterUsage again is the same record", (await meter(7)).MeteringRecordId === first);
check("MeterUsage with another quantity is DuplicateRequestException", (await codeOf(meter(8))) === "DuplicateRequestException");
check("MeterUsage 7 hours ago is out of bounds", (await codeOf(meter(1, ago(7 * 3600)))) === "TimestampOutOfBoundsException");
check("MeterUsage by a non-subscriber", (await codeOf(seller.send(new MeterUsageCommand({ ProductCode: "prod-container-1", Timestamp: now, UsageDimension: "vcpu_hours" })))) === "CustomerNotEntitledException");

const out = await seller.send(
  new BatchMeterUsageCommand({
    ProductCode: "prod-saas-1",
    UsageRecords: [
      { CustomerIdentifier: "cust-alpha", Timestamp: ago(3600), Dimension: "storage_gb", Quantity: 12 },
      { CustomerAWSAccountId: "000011112222", Timestamp: ago(3600), Dimension: "storage_gb", Quantity: 1 },
    ],
  }),
);
check("BatchMeterUsage gives per-record results", out.Results.map((r) => r.Status).join(",") === "Success,CustomerNotSubscribed", out.Results);
const again = await seller.send(
  new BatchMeterUsageCommand({ ProductCode: "prod-saas-1", UsageRecords: [{ CustomerIdentifier: "cust-alpha", Timestamp: ago(3600), Dimension: "storage_gb", Quantity: 13 }] }),
);
check("a changed quantity is DuplicateRecord", again.Results[0].Status === "DuplicateRecord", again.Results);

const resolved = await seller.send(new ResolveCustomerCommand({ RegistrationToken: "token-alpha" }));
check("ResolveCustomer resolves", resolved.CustomerIdentifier === "cust-alpha" && resolved.LicenseArn?.endsWith("l-alpha"), resolved);
check("an unknown token is InvalidTokenException", (await codeOf(seller.send(new ResolveCustomerCommand({ RegistrationToken: "forged" })))) === "InvalidTokenException");

// A product on concurrent agreements: buyers by CustomerAWSAccountId with LicenseArn only.
const gamma = { CustomerAWSAccountId: "999900001111", LicenseArn: "arn:aws:license-manager::999900001111:license:l-gamma" };
const concurrent = (customer) => ({ ...customer, Timestamp: ago(3600), Dimension: "requests", QuantityAsDecimal: "2" });
const byLicence = await seller.send(new BatchMeterUsageCommand({ UsageRecords: [concurrent(gamma)] }));
check("a record of a concurrent-agreement product needs no ProductCode", byLicence.Results[0].Status === "Success", byLicence.Results);
check(
  "a concurrent-agreement product refuses CustomerIdentifier",
  (await codeOf(seller.send(new BatchMeterUsageCommand({ ProductCode: "prod-saas-2", UsageRecords: [concurrent({ CustomerIdentifier: "cust-gamma" })] })))) === "InvalidCustomerIdentifierException",
);
const gammaResolved = await seller.send(new ResolveCustomerCommand({ RegistrationToken: "token-gamma" }));
check("ResolveCustomer names a concurrent-agreement buyer without an identifier", gammaResolved.CustomerIdentifier === undefined && gammaResolved.LicenseArn === gamma.LicenseArn, gammaResolved);
check("a wrong secret is InvalidSignatureException", (await codeOf(client({ ...SELLER, secretAccessKey: "wrong" }).send(new ResolveCustomerCommand({ RegistrationToken: "t" })))) === "InvalidSignatureException");
check("an unknown key is UnrecognizedClientException", (await codeOf(client({ accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" }).send(new ResolveCustomerCommand({ RegistrationToken: "t" })))) === "UnrecognizedClientException");

console.log(`js: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
