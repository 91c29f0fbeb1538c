//! A client of the emulator's own routes (`/emulator/v1/…`), for tests and
//! the `metering demo`: what the emulator billed, and faults to arm; and the
//! emulator's one plain HTTP/1.1 client (one connection per call), which
//! also takes registration tokens to a seller's fulfilment URL.

use serde::{Deserialize, Serialize};

/// One billed record, as `GET /emulator/v1/records` lists it: the one type that route writes and this client reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Billed {
    /// `MeterUsage` or `BatchMeterUsage`.
    pub operation: String,
    /// The product code.
    pub product_code: String,
    /// The customer identifier, when the customer has one.
    pub customer_identifier: Option<String>,
    /// The customer's account.
    #[serde(rename = "customerAWSAccountId")]
    pub customer_account: String,
    /// The licence, when the request named one.
    pub license_arn: Option<String>,
    /// The dimension.
    pub dimension: String,
    /// The start of the hour, epoch seconds.
    pub hour: i64,
    /// The quantity, as a decimal.
    pub quantity: String,
    /// The `MeteringRecordId` answered.
    #[serde(rename = "meteringRecordId")]
    pub record_id: String,
}

/// What `GET /emulator/v1/records` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BilledList {
    pub records: Vec<Billed>,
}

impl Billed {
    /// The customer as a seller names it: the identifier, else the account.
    pub fn customer(&self) -> &str {
        self.customer_identifier.as_deref().unwrap_or(&self.customer_account)
    }
}

/// One request to `url` (`http://HOST:PORT`) for `path`, with a JSON body: the status and the body of the answer.
pub async fn exchange(url: &str, method: &str, path: &str, body: &str) -> Result<(u16, String), String> {
    let addr = url.strip_prefix("http://").ok_or_else(|| format!("`{url}` is not an http:// URL"))?;
    request(addr, method, path, "application/json", body).await
}

/// One HTTP/1.1 request to `authority` (`HOST:PORT`): the status and the body of the answer.
pub async fn request(authority: &str, method: &str, path: &str, content_type: &str, body: &str) -> Result<(u16, String), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(authority).await.map_err(|e| format!("{authority}: {e}"))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.map_err(|e| e.to_string())?;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).ok_or_else(|| format!("the answer is not HTTP: {answer:.60}"))?;
    Ok((status, answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()))
}

/// Every record the emulator at `url` billed.
pub async fn billed(url: &str) -> Result<Vec<Billed>, String> {
    let (status, body) = exchange(url, "GET", "/emulator/v1/records", "").await?;
    if status != 200 {
        return Err(format!("GET /emulator/v1/records answered {status}: {body}"));
    }
    serde_json::from_str::<BilledList>(&body).map(|l| l.records).map_err(|e| format!("the records are not as expected: {e}"))
}

/// Arms a fault (the JSON of a `[[faults]]` entry) on the emulator at `url`.
pub async fn arm(url: &str, fault: &str) -> Result<(), String> {
    match exchange(url, "POST", "/emulator/v1/faults", fault).await? {
        (200, _) => Ok(()),
        (status, body) => Err(format!("POST /emulator/v1/faults answered {status}: {body}")),
    }
}
