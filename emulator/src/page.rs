//! `GET /emulator/`: a page for people, plain HTML without scripts, showing
//! what the emulator billed (records by hour, product, customer and
//! dimension, with totals per product and dimension), the subscriptions and
//! registration tokens of the configuration, the entitlements GetEntitlements
//! answers with (a contract sign-up adds its own), the armed faults, and a form
//! that subscribes a buyer as AWS Marketplace does (`POST /emulator/v1/subscribe`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::config::{Config, EntitlementValue};
use crate::decimal::Quantity;
use crate::faults::Faults;
use crate::state::State;
use crate::time_text::hour_label;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The whole page.
pub fn render(config: &Config, state: &mut State, faults: &Faults) -> String {
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Metering emulator</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}\
         td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left}td.n{text-align:right}</style></head><body>\n\
         <h1>Metering emulator</h1>\n",
    );
    let _ = writeln!(html, "<p>Region <b>{}</b>. Every request is verified as the service verifies it.</p>", esc(&config.region));

    html.push_str("<h2>Billed records</h2>\n<table id=\"records\"><tr><th>Hour</th><th>Product</th><th>Customer</th><th>Dimension</th><th>Quantity</th><th>Operation</th><th>Record id</th></tr>\n");
    let mut totals: BTreeMap<(String, String), Quantity> = BTreeMap::new();
    let mut count = 0;
    let mut rows = match state.records() {
        Ok(rows) => rows,
        Err(e) => {
            let _ = writeln!(html, "<tr><td colspan=\"7\">The data file could not be read: {}</td></tr>", esc(&e));
            Vec::new()
        }
    };
    rows.sort_by(|a, b| {
        (a.hour, &a.product, &a.customer_account, &a.dimension).cmp(&(b.hour, &b.product, &b.customer_account, &b.dimension))
    });
    for r in rows {
        count += 1;
        let customer = r.customer_identifier.clone().unwrap_or_else(|| r.customer_account.clone());
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
            hour_label(r.hour),
            esc(&r.product),
            esc(&customer),
            esc(&r.dimension),
            r.quantity,
            r.operation,
            esc(&r.record_id)
        );
        let total = totals.entry((r.product.clone(), r.dimension.clone())).or_default();
        *total = total.checked_add(r.quantity).unwrap_or(*total);
    }
    if count == 0 {
        html.push_str("<tr><td colspan=\"7\">Nothing billed yet.</td></tr>\n");
    }
    html.push_str("</table>\n<h2>Totals</h2>\n<table id=\"totals\"><tr><th>Product</th><th>Dimension</th><th>Total</th></tr>\n");
    for ((product, dimension), total) in &totals {
        let _ = writeln!(html, "<tr><td>{}</td><td>{}</td><td class=\"n\">{total}</td></tr>", esc(product), esc(dimension));
    }
    html.push_str("</table>\n<h2>Subscriptions</h2>\n<table id=\"subscriptions\"><tr><th>Product</th><th>Buyer account</th><th>Customer identifier</th><th>Licence</th><th>Registration token</th></tr>\n");
    for c in &config.customers {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&c.product),
            esc(&c.account),
            esc(c.identifier.as_deref().unwrap_or("")),
            esc(c.license_arn.as_deref().unwrap_or("")),
            esc(c.registration_token.as_deref().unwrap_or(""))
        );
    }
    html.push_str("</table>\n<h2>Entitlements</h2>\n<table id=\"entitlements\"><tr><th>Product</th><th>Buyer account</th><th>Dimension</th><th>Value</th><th>Expires</th></tr>\n");
    for e in &config.entitlements {
        let value = match &e.value {
            EntitlementValue::Integer(n) => n.to_string(),
            EntitlementValue::Double(d) => d.to_string(),
            EntitlementValue::Boolean(b) => b.to_string(),
            EntitlementValue::String(s) => s.clone(),
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.product),
            esc(&e.account),
            esc(&e.dimension),
            esc(&value),
            esc(e.expiration.as_deref().unwrap_or("never"))
        );
    }
    if config.entitlements.is_empty() {
        html.push_str("<tr><td colspan=\"5\">None.</td></tr>\n");
    }
    html.push_str("</table>\n<h2>Armed faults</h2>\n<table id=\"faults\"><tr><th>Operation</th><th>Calls left</th><th>What</th></tr>\n");
    for f in faults.armed() {
        let what = match (&f.error, f.drop_connection, f.delay_ms, f.unprocessed.is_empty()) {
            (Some(code), ..) => format!("answer {code}"),
            (None, Some(d), ..) => format!("drop the connection ({d:?})"),
            (None, None, Some(ms), _) => format!("wait {ms} ms"),
            (None, None, None, false) => format!("leave records {:?} unprocessed", f.unprocessed),
            _ => "nothing".to_owned(),
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(f.operation.as_deref().unwrap_or("any")),
            f.count,
            esc(&what)
        );
    }
    if faults.armed().is_empty() {
        html.push_str("<tr><td colspan=\"3\">None.</td></tr>\n");
    }
    html.push_str("</table>\n<h2>Subscribe as a buyer</h2>\n<p>Does what AWS Marketplace does when a buyer subscribes to a SaaS product: mints a registration token and POSTs it, as the form field <code>x-amzn-marketplace-token</code>, to the product's fulfilment URL.</p>\n<form method=\"post\" action=\"/emulator/v1/subscribe\"><label>Product <select name=\"product\">");
    for p in config.products.iter().filter(|p| p.fulfillment_url.is_some()) {
        let _ = write!(html, "<option>{}</option>", esc(&p.code));
    }
    html.push_str("</select></label> <label>Buyer account <input name=\"account\" value=\"123456789012\" pattern=\"[0-9]{12}\"></label> <button type=\"submit\">Subscribe</button></form>\n</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_configuration_says_is_escaped() {
        let mut config = Config::demo();
        config.customers[0].identifier = Some("<script>alert(1)</script>".into());
        let html = render(&config, &mut State::default(), &Faults::default());
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"), "{html}");
        assert!(html.contains("Nothing billed yet."));
        assert!(
            html.contains("<td>prod-contract-1</td><td>444455556666</td><td>tier</td><td>silver</td><td>2027-12-31T00:00:00Z</td>"),
            "{html}"
        );
    }
}
