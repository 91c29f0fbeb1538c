//! A client of the emulator's own routes (`/emulator/v1/…`), for tests and
//! the `metering demo`: what the emulator billed, and faults to arm. Plain
//! HTTP/1.1 over loopback, one connection per call.

use serde_json::Value;

/// One billed record, as `GET /emulator/v1/records` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Billed {
    /// The product code.
    pub product_code: String,
    /// The customer identifier, when the customer has one.
    pub customer_identifier: Option<String>,
    /// The customer's account.
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
    pub record_id: String,
}

impl Billed {
    /// The customer as a seller names it: the identifier, else the account.
    pub fn customer(&self) -> &str {
        self.customer_identifier.as_deref().unwrap_or(&self.customer_account)
    }
}

/// One request to `url` (`http://HOST:PORT`): the status and the body of the answer.
pub async fn exchange(url: &str, method: &str, path: &str, body: &str) -> Result<(u16, String), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.strip_prefix("http://").ok_or_else(|| format!("`{url}` is not an http:// URL"))?;
    let mut stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("{addr}: {e}"))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.map_err(|e| e.to_string())?;
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).ok_or_else(|| format!("the answer is not HTTP: {answer:.60}"))?;
    Ok((status, answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()))
}

/// Every record the emulator at `url` billed.
pub async fn billed(url: &str) -> Result<Vec<Billed>, String> {
    let (status, body) = exchange(url, "GET", "/emulator/v1/records", "").await?;
    if status != 200 {
        return Err(format!("GET /emulator/v1/records answered {status}: {body}"));
    }
    let v: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    let text = |r: &Value, k: &str| r[k].as_str().map(str::to_owned);
    v["records"]
        .as_array()
        .ok_or("the answer has no records")?
        .iter()
        .map(|r| {
            Ok(Billed {
                product_code: text(r, "productCode").ok_or("a record without productCode")?,
                customer_identifier: text(r, "customerIdentifier"),
                customer_account: text(r, "customerAWSAccountId").ok_or("a record without customerAWSAccountId")?,
                license_arn: text(r, "licenseArn"),
                dimension: text(r, "dimension").ok_or("a record without dimension")?,
                hour: r["hour"].as_i64().ok_or("a record without hour")?,
                quantity: text(r, "quantity").ok_or("a record without quantity")?,
                record_id: text(r, "meteringRecordId").ok_or("a record without meteringRecordId")?,
            })
        })
        .collect::<Result<_, &str>>()
        .map_err(str::to_owned)
}

/// Arms a fault (the JSON of a `[[faults]]` entry) on the emulator at `url`.
pub async fn arm(url: &str, fault: &str) -> Result<(), String> {
    match exchange(url, "POST", "/emulator/v1/faults", fault).await? {
        (200, _) => Ok(()),
        (status, body) => Err(format!("POST /emulator/v1/faults answered {status}: {body}")),
    }
}
