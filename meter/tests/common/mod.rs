//! What the meter's tests against the emulator share: one clock for the
//! emulator, the store and the SDK's signer (fixed, or running from a
//! fixed start), the emulator's configuration, and helpers for records.

#![allow(dead_code)]

pub mod cluster;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mpkit_emulator::Config;
use mpkit_meter::{Buyer, Customer, Meter, Policy, Quantity, SqliteStore, Usage};
use mpkit_metering::config::{Credentials, Region, TimeSource};
use mpkit_metering::Client;

/// 2025-11-30T10:00:00Z.
pub const START: u64 = 1_764_496_800;
pub const SELLER: (&str, &str) = ("AKIAEXAMPLESELLER001", "seller-secret");
pub const BUYER: (&str, &str) = ("AKIAEXAMPLEBUYER0001", "buyer-secret");

pub const CONFIG: &str = r#"
region = "us-east-1"
[quotas]
meter_usage = 0
batch_meter_usage = 0
register_usage = 0
[[accounts]]
id = "111122223333"
access_key_id = "AKIAEXAMPLESELLER001"
secret_access_key = "seller-secret"
[[accounts]]
id = "444455556666"
access_key_id = "AKIAEXAMPLEBUYER0001"
secret_access_key = "buyer-secret"
[[products]]
code = "prod-saas"
seller = "111122223333"
dimensions = ["users", "storage_gb"]
[[products]]
code = "prod-box"
seller = "111122223333"
dimensions = ["vcpu_hours"]
[[customers]]
product = "prod-saas"
account = "444455556666"
identifier = "cust-alpha"
registration_token = "token-alpha"
[[customers]]
product = "prod-saas"
account = "777788889999"
license_arn = "arn:aws:license-manager::777788889999:license:l-beta"
[[customers]]
product = "prod-box"
account = "444455556666"
"#;

/// One clock for the emulator, the store and the SDK's signer: fixed at a
/// time tests advance, or running (real time passing from that time on).
#[derive(Debug, Clone)]
pub struct SharedClock(Arc<Mutex<(SystemTime, Option<Instant>)>>);

impl SharedClock {
    pub fn new() -> Self {
        SharedClock(Arc::new(Mutex::new((UNIX_EPOCH + Duration::from_secs(START), None))))
    }
    /// A clock from START on that runs with real time (for leases that must run out).
    pub fn running() -> Self {
        SharedClock(Arc::new(Mutex::new((UNIX_EPOCH + Duration::from_secs(START), Some(Instant::now())))))
    }
    pub fn get(&self) -> SystemTime {
        let (at, since) = *self.0.lock().unwrap();
        at + since.map_or(Duration::ZERO, |s| s.elapsed())
    }
    pub fn advance(&self, d: Duration) {
        self.0.lock().unwrap().0 += d;
    }
    /// The same time seen `ahead` later: a replica whose clock runs ahead.
    pub fn ahead(&self, ahead: Duration) -> Arc<dyn Fn() -> SystemTime + Send + Sync> {
        let me = self.clone();
        Arc::new(move || me.get() + ahead)
    }
    pub fn closure(&self) -> Arc<dyn Fn() -> SystemTime + Send + Sync> {
        let me = self.clone();
        Arc::new(move || me.get())
    }
}

impl TimeSource for SharedClock {
    fn now(&self) -> SystemTime {
        self.get()
    }
}

pub struct World {
    pub clock: SharedClock,
    pub emulator: mpkit_emulator::Running,
    pub dir: std::path::PathBuf,
}

impl World {
    pub async fn start(name: &str) -> World {
        World::start_on(name, SharedClock::new()).await
    }

    pub async fn start_on(name: &str, clock: SharedClock) -> World {
        let config = Config::from_toml(CONFIG).unwrap();
        let emulator = mpkit_emulator::start_with_clock(config, "127.0.0.1:0".parse().unwrap(), clock.closure()).await.unwrap();
        let dir = std::env::temp_dir().join(format!("meter-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        World { clock, emulator, dir }
    }

    pub fn client(&self, keys: (&str, &str)) -> Client {
        let config = mpkit_metering::Config::builder()
            .region(Region::from_static("us-east-1"))
            .credentials_provider(Credentials::new(keys.0, keys.1, None, None, "test"))
            .endpoint_url(self.emulator.url())
            .time_source(self.clock.clone())
            // One attempt per call: the meter's own retries are under test.
            .retry_config(mpkit_metering::config::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        Client::from_conf(config)
    }

    pub fn meter(&self, file: &str, keys: (&str, &str)) -> Meter<SqliteStore> {
        let store = SqliteStore::open(&self.dir.join(file)).unwrap().with_clock(self.clock.closure());
        let policy = Policy { requests_per_second: 0, ..Policy::default() };
        Meter::new(store, self.client(keys), policy).with_clock(self.clock.closure()).with_jitter(|| 0.5)
    }

    /// What the emulator billed: (customer, dimension, hour) to quantity.
    pub async fn billed(&self) -> BTreeMap<(String, String, i64), String> {
        let billed = mpkit_emulator::admin::billed(&self.emulator.url()).await.unwrap();
        billed.into_iter().map(|b| ((b.customer().to_owned(), b.dimension.clone(), b.hour), b.quantity)).collect()
    }

    pub async fn arm(&self, fault: &str) {
        mpkit_emulator::admin::arm(&self.emulator.url(), fault).await.unwrap();
    }
}

pub fn at(minutes: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(START + minutes * 60)
}

pub fn saas(customer: Customer, dimension: &str, minutes: u64, quantity: &str) -> Usage {
    Usage {
        product_code: Some("prod-saas".into()),
        customer,
        dimension: dimension.into(),
        quantity: Quantity::parse(quantity).unwrap(),
        time: at(minutes),
        event_id: None,
    }
}

pub fn alpha() -> Customer {
    Customer::Identifier("cust-alpha".into())
}

pub fn beta() -> Customer {
    Customer::Account {
        account_id: "777788889999".into(),
        license_arn: Some("arn:aws:license-manager::777788889999:license:l-beta".into()),
    }
}

/// The 10:00 and 11:00 hours, in epoch seconds as the emulator lists them.
pub const H10: i64 = START as i64;
pub const H11: i64 = START as i64 + 3600;

/// alpha and beta as the seller's sign-up page resolved them: what the
/// meter needs to tell them apart within one product, dimension and hour.
pub fn directory() -> Vec<Buyer> {
    vec![
        Buyer {
            product_code: "prod-saas".into(),
            identifier: Some("cust-alpha".into()),
            account_id: Some("444455556666".into()),
            license_arn: None,
        },
        Buyer {
            product_code: "prod-saas".into(),
            identifier: None,
            account_id: Some("777788889999".into()),
            license_arn: Some("arn:aws:license-manager::777788889999:license:l-beta".into()),
        },
    ]
}

/// A schema of its own on the PostgreSQL that `.ci/run` starts, as a store
/// URL; `None` (with a message) outside CI without one.
pub async fn postgres(name: &str) -> Option<String> {
    let url = match std::env::var("METER_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("METER_POSTGRES_URL is not set under CI=true: .ci/run starts a PostgreSQL and sets it")
        }
        _ => {
            eprintln!("skipped: METER_POSTGRES_URL is not set (.ci/run starts a PostgreSQL and sets it)");
            return None;
        }
    };
    let schema = format!("ops_{name}_{}", std::process::id());
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};")).await.unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}options=-csearch_path%3D{schema}"))
}
