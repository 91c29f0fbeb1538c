//! `metering customers`: the meter's customer directory, which tells it
//! that a `CustomerIdentifier`, a `CustomerAWSAccountId` and a
//! `LicenseArn` name one buyer of a product, so their records add up to one
//! hour and are sent under one name. `resolve` asks ResolveCustomer (as a
//! seller's sign-up page does), `import` reads JSON Lines with the API's
//! member names (`ProductCode`, `CustomerIdentifier`, `CustomerAWSAccountId`,
//! `LicenseArn`), `send-as` sets the name a product's usage is sent under,
//! `list` prints the directory.

use std::process::ExitCode;

use mpkit_meter::{Buyer, Form, Meter, Policy};
use serde_json::{json, Value};

use crate::meter_outcome::open;
use crate::output::{print, Output};
use crate::service::{self, Common};

/// The meter's customer directory: which names are one buyer, and the name each product is sent under.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long)]
    store: String,
    #[command(subcommand)]
    action: Action,
}

/// Runs `metering customers`.
pub async fn run(common: &Common, args: Args) -> ExitCode {
    act(common, &args.store, args.action, common.output).await
}

/// What to do with the directory.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Resolve a registration token (ResolveCustomer) and keep the buyer it names.
    Resolve {
        /// The token the buyer's browser brought to the sign-up page.
        #[arg(long)]
        registration_token: String,
    },
    /// Add buyers from a JSON Lines file (ProductCode, CustomerIdentifier, CustomerAWSAccountId, LicenseArn).
    Import {
        /// The file.
        file: std::path::PathBuf,
    },
    /// Set the name a product's usage is sent under: account (CustomerAWSAccountId with LicenseArn,
    /// for products on concurrent agreements) or identifier (CustomerIdentifier).
    SendAs {
        /// The product code.
        #[arg(long)]
        product_code: String,
        /// account or identifier.
        #[arg(value_parser = ["account", "identifier"])]
        form: String,
    },
    /// Print the directory.
    List,
}

/// One line of an import: a buyer, or why not.
fn buyer_of(line: &str) -> Result<Buyer, String> {
    let Value::Object(members) = serde_json::from_str::<Value>(line).map_err(|e| format!("not JSON: {e}"))? else {
        return Err("not a JSON object".into());
    };
    const MEMBERS: [&str; 4] = ["ProductCode", "CustomerIdentifier", "CustomerAWSAccountId", "LicenseArn"];
    if let Some(unknown) = members.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
        return Err(format!("unknown member `{unknown}` (the members are {})", MEMBERS.join(", ")));
    }
    let text = |name: &'static str| -> Result<Option<String>, String> {
        match members.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                mpkit_meter::usage::check_member(name, s).map_err(|e| e.to_string())?;
                Ok(Some(s.clone()))
            }
            Some(other) => Err(format!("{name} must be a string, not {other}")),
        }
    };
    let buyer = Buyer {
        product_code: text("ProductCode")?.ok_or("ProductCode is missing")?,
        identifier: text("CustomerIdentifier")?,
        account_id: text("CustomerAWSAccountId")?,
        license_arn: text("LicenseArn")?,
    };
    if buyer.identifier.is_none() && buyer.account_id.is_none() {
        return Err("a buyer needs CustomerIdentifier or CustomerAWSAccountId".into());
    }
    if buyer.license_arn.is_some() && buyer.account_id.is_none() {
        return Err("LicenseArn goes with CustomerAWSAccountId".into());
    }
    Ok(buyer)
}

fn buyer_json(b: &Buyer) -> Value {
    json!({ "ProductCode": b.product_code, "CustomerIdentifier": b.identifier, "CustomerAWSAccountId": b.account_id, "LicenseArn": b.license_arn })
}

/// Runs `metering customers ACTION --store URL`.
async fn act(common: &Common, store: &str, action: Action, output: Output) -> ExitCode {
    let store = match open(store).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("metering customers: --store: {e}");
            return ExitCode::from(2);
        }
    };
    let meter = Meter::new(store, service::client(common).await, Policy::default());
    let done = match action {
        Action::Resolve { registration_token } => meter.resolve_customer(&registration_token).await.map(|b| buyer_json(&b)),
        Action::Import { file } => {
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("metering customers import: {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            let (mut good, mut refused) = (Vec::new(), 0);
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                match buyer_of(line) {
                    Ok(b) => good.push(b),
                    Err(reason) => {
                        eprintln!("metering customers import: line {} refused: {reason}", i + 1);
                        refused += 1;
                    }
                }
            }
            match meter.add_buyers(good).await {
                Ok(n) if refused == 0 => Ok(json!({ "Imported": n })),
                Ok(n) => {
                    print(output, &json!({ "Imported": n, "Refused": refused }));
                    return ExitCode::FAILURE;
                }
                Err(e) => Err(e),
            }
        }
        Action::SendAs { product_code, form } => {
            let form = Form::parse(&form).unwrap_or(Form::Account);
            meter.set_form(&product_code, form).await.map(|()| json!({ "ProductCode": product_code, "SendAs": form.as_str() }))
        }
        Action::List => mpkit_meter::Store::buyers(meter.store())
            .await
            .map(|all| json!(all.iter().map(buyer_json).collect::<Vec<_>>()))
            .map_err(Into::into),
    };
    match done {
        Ok(v) => print(output, &v),
        Err(e) => {
            eprintln!("metering customers: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_lines_name_a_buyer_or_say_why_not() {
        let b = buyer_of(r#"{"ProductCode":"p","CustomerIdentifier":"c","CustomerAWSAccountId":"444455556666"}"#).unwrap();
        assert_eq!((b.identifier.as_deref(), b.account_id.as_deref(), b.license_arn), (Some("c"), Some("444455556666"), None));
        for (line, why) in [
            (r#"{"ProductCode":"p"}"#, "needs CustomerIdentifier or CustomerAWSAccountId"),
            (r#"{"CustomerIdentifier":"c"}"#, "ProductCode is missing"),
            (r#"{"ProductCode":"p","CustomerAWSAccountId":"12"}"#, "12-digit"),
            (
                r#"{"ProductCode":"p","CustomerIdentifier":"c","LicenseArn":"arn:aws:license-manager::1:license:l"}"#,
                "goes with CustomerAWSAccountId",
            ),
            (r#"{"ProductCode":"p","Customer":"c"}"#, "unknown member"),
        ] {
            assert!(buyer_of(line).unwrap_err().contains(why), "{line}");
        }
    }
}
