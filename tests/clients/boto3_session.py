"""A scripted session against the metering emulator through boto3 and the
AWS CLI v1: clients nobody on this project wrote. Usage:
    python boto3_session.py URL AWS_EXECUTABLE
Prints one line per check and a closing 'boto3: N passed, M failed'; exits
non-zero when any check failed."""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

URL, AWS = sys.argv[1], sys.argv[2]
SELLER = ("AKIAEXAMPLESELLER001", "seller-secret-key-for-the-emulator-only")
BUYER = ("AKIAEXAMPLEBUYER0001", "buyer-secret-key-for-the-emulator-only")
passed, failed = 0, 0


def client(keys, region="us-east-1"):
    return boto3.client(
        "meteringmarketplace",
        endpoint_url=URL,
        region_name=region,
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def code_of(call):
    try:
        call()
        return "no error"
    except ClientError as e:
        return e.response["Error"]["Code"]


now = int(time.time())
buyer, seller = client(BUYER), client(SELLER)

# MeterUsage: one record per product, buyer, dimension and hour.
meter = lambda q, ts=now - 60: buyer.meter_usage(ProductCode="prod-container-1", Timestamp=ts, UsageDimension="vcpu_hours", UsageQuantityAsDecimal=q)
first = meter("3")["MeteringRecordId"]
check("MeterUsage bills", bool(first))
check("MeterUsage again with 3.0 is the same record", meter("3.0")["MeteringRecordId"] == first)
check("MeterUsage with another quantity is DuplicateRequestException", code_of(lambda: meter("4")) == "DuplicateRequestException")
check("MeterUsage 7 hours ago is out of bounds", code_of(lambda: meter("1", now - 7 * 3600)) == "TimestampOutOfBoundsException")
check("MeterUsage in the future is out of bounds", code_of(lambda: meter("1", now + 3600)) == "TimestampOutOfBoundsException")
check("MeterUsage of an unknown product", code_of(lambda: buyer.meter_usage(ProductCode="nope", Timestamp=now, UsageDimension="x")) == "InvalidProductCodeException")
check("MeterUsage of another dimension", code_of(lambda: buyer.meter_usage(ProductCode="prod-container-1", Timestamp=now, UsageDimension="gpus")) == "InvalidUsageDimensionException")
check("MeterUsage by a non-subscriber", code_of(lambda: seller.meter_usage(ProductCode="prod-container-1", Timestamp=now, UsageDimension="vcpu_hours")) == "CustomerNotEntitledException")
check("MeterUsage with both quantities", code_of(lambda: buyer.meter_usage(ProductCode="prod-container-1", Timestamp=now, UsageDimension="vcpu_hours", UsageQuantity=1, UsageQuantityAsDecimal="1")) == "ValidationException")
token = lambda q: buyer.meter_usage(ProductCode="prod-container-1", Timestamp=now - 2 * 3600, UsageDimension="vcpu_hours", UsageQuantityAsDecimal=q, ClientToken="boto3-token")
token("1")
check("a ClientToken reused with other parameters is a 409", code_of(lambda: token("2")) == "IdempotencyConflictException")
check("DryRun records nothing", code_of(lambda: buyer.meter_usage(ProductCode="prod-container-1", Timestamp=now - 3 * 3600, UsageDimension="vcpu_hours", DryRun=True)) == "DryRunOperation")

# BatchMeterUsage: per-record results.
record = lambda customer, q: dict(customer, Timestamp=now - 3600, Dimension="users", QuantityAsDecimal=q)
out = seller.batch_meter_usage(ProductCode="prod-saas-1", UsageRecords=[
    record({"CustomerIdentifier": "cust-alpha"}, "10"),
    record({"CustomerAWSAccountId": "777788889999", "LicenseArn": "arn:aws:license-manager::777788889999:license:l-beta"}, "2.5"),
    record({"CustomerAWSAccountId": "000011112222"}, "1"),
])
statuses = [r["Status"] for r in out["Results"]]
check("BatchMeterUsage gives per-record results", statuses == ["Success", "Success", "CustomerNotSubscribed"], statuses)
again = seller.batch_meter_usage(ProductCode="prod-saas-1", UsageRecords=[record({"CustomerAWSAccountId": "444455556666"}, "11")])
check("a changed quantity for a billed hour is DuplicateRecord", again["Results"][0]["Status"] == "DuplicateRecord", again["Results"])
check("26 records are a ValidationException", code_of(lambda: seller.batch_meter_usage(ProductCode="prod-saas-1", UsageRecords=[record({"CustomerIdentifier": "cust-alpha"}, "10")] * 26)) == "ValidationException")
check("a buyer cannot batch for the seller's product", code_of(lambda: buyer.batch_meter_usage(ProductCode="prod-saas-1", UsageRecords=[])) == "InvalidProductCodeException")

# ResolveCustomer.
resolved = seller.resolve_customer(RegistrationToken="token-alpha")
check("ResolveCustomer resolves", resolved.get("CustomerIdentifier") == "cust-alpha" and resolved.get("Metadata", {}).get("AgreementId") == "agmt-alpha", resolved)
check("an unknown token is InvalidTokenException", code_of(lambda: seller.resolve_customer(RegistrationToken="forged")) == "InvalidTokenException")

# A product on concurrent agreements: buyers by CustomerAWSAccountId with LicenseArn only.
gamma = {"CustomerAWSAccountId": "999900001111", "LicenseArn": "arn:aws:license-manager::999900001111:license:l-gamma"}
concurrent = lambda customer: dict(customer, Timestamp=now - 3600, Dimension="requests", QuantityAsDecimal="2")
out = seller.batch_meter_usage(UsageRecords=[concurrent(gamma)])
check("a record of a concurrent-agreement product needs no ProductCode", out["Results"][0]["Status"] == "Success", out["Results"])
check(
    "a concurrent-agreement product refuses CustomerIdentifier",
    code_of(lambda: seller.batch_meter_usage(ProductCode="prod-saas-2", UsageRecords=[concurrent({"CustomerIdentifier": "cust-gamma"})])) == "InvalidCustomerIdentifierException",
)
check(
    "a concurrent-agreement product refuses a record without its licence",
    code_of(lambda: seller.batch_meter_usage(ProductCode="prod-saas-2", UsageRecords=[concurrent({"CustomerAWSAccountId": "999900001111"})])) == "InvalidLicenseException",
)
gamma_resolved = seller.resolve_customer(RegistrationToken="token-gamma")
check("ResolveCustomer names a concurrent-agreement buyer without an identifier", "CustomerIdentifier" not in gamma_resolved and gamma_resolved.get("LicenseArn") == gamma["LicenseArn"], gamma_resolved)

# RegisterUsage: a PS256 token, verified with the key the emulator serves (the cryptography package's own RSA-PSS).
answer = buyer.register_usage(ProductCode="prod-container-1", PublicKeyVersion=1, Nonce="boto3-nonce")
header_b64, payload_b64, signature_b64 = answer["Signature"].split(".")
unb64 = lambda part: base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
pem = urllib.request.urlopen(f"{URL}/emulator/v1/public-key").read()
key = serialization.load_pem_public_key(pem)
try:
    key.verify(unb64(signature_b64), f"{header_b64}.{payload_b64}".encode(), padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    verified = True
except Exception as e:  # noqa: BLE001 - any failure to verify is the finding
    verified = repr(e)
claims = json.loads(unb64(payload_b64))
check("RegisterUsage's token verifies with the served public key", verified is True and json.loads(unb64(header_b64))["alg"] == "PS256", verified)
check("the token carries the product and the nonce", claims.get("productCode") == "prod-container-1" and claims.get("nonce") == "boto3-nonce" and claims.get("publicKeyVersion") == 1, claims)
check("RegisterUsage with key version 2", code_of(lambda: buyer.register_usage(ProductCode="prod-container-1", PublicKeyVersion=2)) == "InvalidPublicKeyVersionException")
check("RegisterUsage by a non-subscriber", code_of(lambda: seller.register_usage(ProductCode="prod-container-1", PublicKeyVersion=1)) == "CustomerNotEntitledException")
on_ec2 = client(("AKIAEXAMPLEBUYEREC20", "buyer-ec2-secret-key-for-the-emulator-only"))
check("RegisterUsage from an EC2 instance", code_of(lambda: on_ec2.register_usage(ProductCode="prod-container-1", PublicKeyVersion=1)) == "PlatformNotSupportedException")
check("RegisterUsage of a product not offered in the region", code_of(lambda: buyer.register_usage(ProductCode="prod-container-eu", PublicKeyVersion=1)) == "InvalidEndpointRegionException")
check(
    "MeterUsage of a product not offered in the region",
    code_of(lambda: buyer.meter_usage(ProductCode="prod-container-eu", Timestamp=now - 60, UsageDimension="vcpu_hours", UsageQuantityAsDecimal="1")) == "InvalidEndpointRegionException",
)

# The Entitlement Service. Its model lists RPC v2 CBOR and awsJson1_1; botocore's own order
# of preference puts json first, so a plain client speaks JSON, and a client whose model is
# told to list CBOR alone speaks botocore's RPC v2 CBOR. The emulator must answer both alike.
def entitlement_client(protocols=None):
    session = botocore.session.get_session()
    if protocols:
        model = session.get_component("data_loader").load_service_model("marketplace-entitlement", "service-2")
        model["metadata"]["protocols"], model["metadata"]["protocol"] = protocols, protocols[0]
    return boto3.session.Session(botocore_session=session).client(
        "marketplace-entitlement",
        endpoint_url=URL,
        region_name="us-east-1",
        aws_access_key_id=SELLER[0],
        aws_secret_access_key=SELLER[1],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def entitlement_checks(label, entitlement, cbor):
    sent = []
    entitlement.meta.events.register("before-send", lambda request, **_: sent.append(dict(request.headers)))
    listed = entitlement.get_entitlements(ProductCode="prod-contract-1")
    values = [(e["Dimension"], e["Value"]) for e in listed["Entitlements"]]
    check(
        f"{label}: GetEntitlements lists every kind of value",
        values == [("seats", {"IntegerValue": 10}), ("tier", {"StringValue": "silver"}), ("premium_support", {"BooleanValue": False})],
        values,
    )
    headers = {k.lower(): v for k, v in sent[-1].items()} if sent else {}
    spoke_cbor = headers.get("smithy-protocol") in ("rpc-v2-cbor", b"rpc-v2-cbor") and "x-amz-target" not in headers
    check(f"{label}: the request was {'RPC v2 CBOR' if cbor else 'awsJson1_1'}", spoke_cbor == cbor, sent[-1:])
    expiration = listed["Entitlements"][0].get("ExpirationDate")
    check(f"{label}: an entitlement's expiration is a timestamp", expiration is not None and int(expiration.timestamp()) == 1830211200, expiration)
    both = entitlement.get_entitlements(ProductCode="prod-contract-1", Filter={"DIMENSION": ["seats", "tier"], "CUSTOMER_IDENTIFIER": ["cust-delta"]})
    check(f"{label}: filter values are alternatives, every key must match", [e["Dimension"] for e in both["Entitlements"]] == ["seats", "tier"], both)
    first = entitlement.get_entitlements(ProductCode="prod-contract-1", Filter={"DIMENSION": ["premium_support"]}, MaxResults=2)
    check(f"{label}: a page may be empty and still carry a NextToken", first["Entitlements"] == [] and "NextToken" in first, first)
    pages = list(entitlement.get_paginator("get_entitlements").paginate(ProductCode="prod-contract-1", Filter={"DIMENSION": ["premium_support"]}, PaginationConfig={"PageSize": 2}))
    check(f"{label}: the paginator goes through the empty page", [len(p["Entitlements"]) for p in pages] == [0, 1], [len(p["Entitlements"]) for p in pages])
    forged = code_of(lambda: entitlement.get_entitlements(ProductCode="prod-contract-1", NextToken="forged"))
    check(f"{label}: a forged NextToken is InvalidParameterException", forged == "InvalidParameterException", forged)


entitlement_checks("json", entitlement_client(), cbor=False)
entitlement = entitlement_client(["smithy-rpc-v2-cbor"])
entitlement_checks("cbor", entitlement, cbor=True)
# A SaaS contract sign-up: subscribe, resolve the token, read the buyer's entitlements.
signup = urllib.request.Request(f"{URL}/emulator/v1/subscribe", data=json.dumps({"product": "prod-contract-1", "account": "210987654322"}).encode(), headers={"Content-Type": "application/json"}, method="POST")
token = json.loads(urllib.request.urlopen(signup).read())["registrationToken"]
account = seller.resolve_customer(RegistrationToken=token)["CustomerAWSAccountId"]
mine = entitlement.get_entitlements(ProductCode="prod-contract-1", Filter={"CUSTOMER_AWS_ACCOUNT_ID": [account]})
check(
    "a contract sign-up entitles the buyer",
    sorted((e["Dimension"], list(e["Value"].values())[0]) for e in mine["Entitlements"]) == [("premium_support", True), ("seats", 25), ("tier", "gold")],
    mine,
)

# The Catalog API (restJson1): the seller's products, and a private offer as one change set followed to its end.
catalog = boto3.client(
    "marketplace-catalog",
    endpoint_url=URL,
    region_name="us-east-1",
    aws_access_key_id=SELLER[0],
    aws_secret_access_key=SELLER[1],
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)
one = catalog.list_entities(Catalog="AWSMarketplace", EntityType="SaaSProduct", FilterList=[{"Name": "EntityId", "ValueList": ["prod-saas-1"]}])
check("Catalog ListEntities filters by entity id", [e["EntityId"] for e in one["EntitySummaryList"]] == ["prod-saas-1"], one)
pages = list(catalog.get_paginator("list_entities").paginate(Catalog="AWSMarketplace", EntityType="SaaSProduct", PaginationConfig={"PageSize": 2}))
sizes = [len(p["EntitySummaryList"]) for p in pages]
check("Catalog ListEntities pages through the seller's products", sum(sizes) == 5 and all(n <= 2 for n in sizes), sizes)
offer = "$CreateOfferChange.Entity.Identifier"
started = catalog.start_change_set(
    Catalog="AWSMarketplace",
    ChangeSetName="boto3 offer",
    ChangeSet=[
        {"ChangeType": "CreateOffer", "ChangeName": "CreateOfferChange", "Entity": {"Type": "Offer@1.0"}, "DetailsDocument": {"ProductId": "prod-saas-1"}},
        {"ChangeType": "UpdateInformation", "Entity": {"Type": "Offer@1.0", "Identifier": offer}, "Details": json.dumps({"Name": "boto3 offer"})},
        {"ChangeType": "ReleaseOffer", "Entity": {"Type": "Offer@1.0", "Identifier": offer}, "DetailsDocument": {}},
    ],
)
deadline = time.time() + 20
while True:
    described = catalog.describe_change_set(Catalog="AWSMarketplace", ChangeSetId=started["ChangeSetId"])
    if described["Status"] in ("SUCCEEDED", "FAILED", "CANCELLED") or time.time() > deadline:
        break
    time.sleep(0.25)
check("Catalog StartChangeSet: the change set succeeds", described["Status"] == "SUCCEEDED" and "EndTime" in described, described)
offer_id = described["ChangeSet"][0]["Entity"].get("Identifier", "")
entity = catalog.describe_entity(Catalog="AWSMarketplace", EntityId=offer_id)
check(
    "Catalog DescribeEntity reads the released offer",
    entity["EntityType"] == "Offer@1.0" and entity["DetailsDocument"].get("ProductId") == "prod-saas-1" and entity["DetailsDocument"].get("State") == "Released",
    entity,
)
listed = catalog.list_entities(Catalog="AWSMarketplace", EntityType="Offer", FilterList=[{"Name": "ProductId", "ValueList": ["prod-saas-1"]}])
check("Catalog ListEntities finds the offer by product", [(e["EntityId"], e["Name"]) for e in listed["EntitySummaryList"]] == [(offer_id, "boto3 offer")], listed)
check("Catalog: an unknown entity is ResourceNotFoundException", code_of(lambda: catalog.describe_entity(Catalog="AWSMarketplace", EntityId="offer-none")) == "ResourceNotFoundException")
check(
    "Catalog: another catalog is ValidationException",
    code_of(lambda: catalog.start_change_set(Catalog="Elsewhere", ChangeSet=[{"ChangeType": "ReleaseOffer", "Entity": {"Type": "Offer@1.0", "Identifier": offer_id}, "DetailsDocument": {}}]))
    == "ValidationException",
)

# Signatures.
check("an unknown key is UnrecognizedClientException", code_of(lambda: client(("AKIAUNKNOWN000000000", "x")).resolve_customer(RegistrationToken="t")) == "UnrecognizedClientException")
check("a wrong secret is InvalidSignatureException", code_of(lambda: client((SELLER[0], "wrong")).resolve_customer(RegistrationToken="t")) == "InvalidSignatureException")
check("another region is InvalidSignatureException", code_of(lambda: client(SELLER, "eu-west-1").resolve_customer(RegistrationToken="t")) == "InvalidSignatureException")

# The AWS CLI v1.
env = dict(os.environ, AWS_ACCESS_KEY_ID=SELLER[0], AWS_SECRET_ACCESS_KEY=SELLER[1], AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
cli = subprocess.run([AWS, "meteringmarketplace", "resolve-customer", "--registration-token", "token-beta", "--endpoint-url", URL, "--output", "json"], capture_output=True, text=True, env=env)
check("aws meteringmarketplace resolve-customer", cli.returncode == 0 and json.loads(cli.stdout or "{}").get("CustomerAWSAccountId") == "777788889999", cli.stderr)
cli = subprocess.run([AWS, "meteringmarketplace", "resolve-customer", "--registration-token", "forged", "--endpoint-url", URL], capture_output=True, text=True, env=env)
check("the AWS CLI reports InvalidTokenException", cli.returncode != 0 and "InvalidTokenException" in cli.stderr, cli.stderr)
cli = subprocess.run([AWS, "marketplace-entitlement", "get-entitlements", "--product-code", "prod-contract-1", "--filter", "DIMENSION=seats", "--endpoint-url", URL, "--output", "json"], capture_output=True, text=True, env=env)
listed = json.loads(cli.stdout or "{}").get("Entitlements", [])
seats = sorted(e["Value"].get("IntegerValue", -1) for e in listed)
check("aws marketplace-entitlement get-entitlements (the demo buyer's seats and the signed-up one's)", cli.returncode == 0 and seats == [10, 25], cli.stderr or listed)

print(f"boto3: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
