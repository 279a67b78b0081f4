//! KeySecure Open Platform (`keysecure`): card consumption records.
//!
//! Wire shape: the list endpoint's `data.list[]` record (`consume_no, card_no, type, amount,
//! status, time`), optionally carrying the detail endpoint's extra fields (`consume_relate_no,
//! cardholder_no, local_amount, local_currency, fee, fee_list, merchant_info`), so one JSON line
//! may hold either shape.
//!
//! Decisions where the document is silent (each overridable in `[providers.keysecure]`):
//! - `amount` is in the card account's currency, which the record does not carry:
//!   `account_currency`, default `USD`.
//! - `type` (case-insensitive): Consumption → consumption, Refund → refund, Fee → fee,
//!   Recharge → recharge, anything else → other.
//! - `status` (case-insensitive): Success → success, Fail/Failed → failed, Pending/Processing →
//!   pending, Reversed/Revoked → reversed, anything else → unknown (kept in `status_raw`).
//! - `card_no` is the provider's card *order number* (卡单号), not a PAN: it becomes `card_ref`.
//! - `fee` is the detail's `fee`, or the sum of `fee_list[].amount` when only the list is sent.
//! - `time` is Unix milliseconds.

use serde::Deserialize;

use super::{unix_instant, AdapterOptions, FieldError, WireMoney, WireText};
use crate::model::{non_empty, Kind, ProviderRecord, Status};

/// One consumption record: the list shape plus the detail endpoint's optional fields.
#[derive(Debug, Clone, Deserialize)]
pub struct ConsumeRecord {
    pub consume_no: WireText,
    #[serde(default)]
    pub consume_relate_no: Option<WireText>,
    #[serde(default)]
    pub card_no: Option<WireText>,
    #[serde(default)]
    pub cardholder_no: Option<WireText>,
    #[serde(rename = "type")]
    pub kind: String,
    pub amount: WireMoney,
    #[serde(default)]
    pub local_amount: Option<WireMoney>,
    #[serde(default)]
    pub local_currency: Option<String>,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    #[serde(default)]
    pub fee_list: Option<Vec<FeeItem>>,
    #[serde(default)]
    pub merchant_info: Option<MerchantInfo>,
    pub status: String,
    /// Unix milliseconds.
    pub time: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FeeItem {
    #[serde(default)]
    pub fee_type: Option<String>,
    pub amount: WireMoney,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct MerchantInfo {
    #[serde(default)]
    pub merchant_name: Option<String>,
    #[serde(default)]
    pub merchant_mcc: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

/// The documented gap: KeySecure's `type` constants.
pub fn kind_of(raw: &str) -> Kind {
    match raw.trim().to_ascii_lowercase().as_str() {
        "consumption" => Kind::Consumption,
        "refund" => Kind::Refund,
        "fee" => Kind::Fee,
        "recharge" => Kind::Recharge,
        _ => Kind::Other,
    }
}

/// The documented gap: KeySecure's common status constants.
pub fn status_of(raw: &str) -> Status {
    match raw.trim().to_ascii_lowercase().as_str() {
        "success" => Status::Success,
        "fail" | "failed" => Status::Failed,
        "pending" | "processing" => Status::Pending,
        "reversed" | "revoked" => Status::Reversed,
        _ => Status::Unknown,
    }
}

pub fn parse(instance: &str, json: &str, source: String, options: &AdapterOptions) -> Result<ProviderRecord, FieldError> {
    let r: ConsumeRecord = super::from_json(json)?;
    to_canonical(instance, &r, source, options)
}

pub fn to_canonical(instance: &str, r: &ConsumeRecord, source: String, options: &AdapterOptions) -> Result<ProviderRecord, FieldError> {
    let amount = r.amount.decimal("amount")?;
    if amount.is_sign_negative() {
        return Err(FieldError::new("amount", format!("`{}` is negative; amounts are magnitudes and the sign comes from `type`", r.amount.0)));
    }
    let fee = match WireMoney::optional(&r.fee, "fee")? {
        Some(f) => Some(f),
        None => match &r.fee_list {
            Some(list) if !list.is_empty() => {
                let mut sum = rust_decimal::Decimal::ZERO;
                for (i, item) in list.iter().enumerate() {
                    sum += item.amount.decimal(&format!("fee_list[{i}].amount"))?;
                }
                Some(sum)
            }
            _ => None,
        },
    };
    let original_amount = WireMoney::optional(&r.local_amount, "local_amount")?;
    let original_currency = non_empty(r.local_currency.as_deref()).map(|c| crate::money::currency_code(&c));
    let merchant = r.merchant_info.as_ref().and_then(|m| non_empty(m.merchant_name.as_deref()));
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind: kind_of(&r.kind),
        tx_id: r.consume_no.required("consume_no")?,
        order_id: None,
        related_tx_id: WireText::optional(&r.consume_relate_no),
        card_ref: WireText::optional(&r.card_no),
        card_masked: None,
        amount,
        currency: options.account_currency.clone(),
        original_amount,
        original_currency,
        fee_currency: fee.map(|_| options.account_currency.clone()),
        fee,
        status: status_of(&r.status),
        status_raw: r.status.clone(),
        occurred_at: unix_instant(r.time, true, "time")?,
        description: merchant,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ProviderType;

    fn opts() -> AdapterOptions {
        AdapterOptions::defaults_for(ProviderType::Keysecure)
    }

    #[test]
    fn list_example_from_the_document() {
        // The list example's record, with the empty ids filled in (an id is required).
        let json = r#"{"consume_no": "C1", "card_no": "", "type": "Consumption", "amount": "100.00", "status": "Success", "time": 1716307200000}"#;
        let r = parse("keysecure", json, "f:1".into(), &opts()).unwrap();
        assert_eq!(r.kind, Kind::Consumption);
        assert_eq!(r.status, Status::Success);
        assert_eq!(r.amount.to_string(), "100.00");
        assert_eq!(r.currency, "USD");
        assert_eq!(r.occurred_at.to_rfc3339(), "2024-05-21T16:00:00+00:00");
        assert_eq!(r.card_ref, None);
    }

    #[test]
    fn detail_example_from_the_document() {
        let json = r#"{"consume_no": "CONSUME202605220001", "card_no": "", "type": "Consumption", "amount": "100.00",
            "local_currency": "USD", "fee": "1.00", "status": "Success", "time": 1716307200000}"#;
        let r = parse("keysecure", json, "f:1".into(), &opts()).unwrap();
        assert_eq!(r.fee.unwrap().to_string(), "1.00");
        assert_eq!(r.fee_currency.as_deref(), Some("USD"));
        assert_eq!(r.original_currency.as_deref(), Some("USD"));
    }

    #[test]
    fn fee_list_is_summed_and_refund_links() {
        let json = r#"{"consume_no": "R1", "consume_relate_no": "C1", "type": "REFUND", "amount": "5", "status": "revoked",
            "time": 1716307200000, "fee_list": [{"fee_type": "fx", "amount": "0.10"}, {"fee_type": "cross", "amount": "0.25"}],
            "merchant_info": {"merchant_name": "=HYPERLINK(\"x\")"}}"#;
        let r = parse("keysecure", json, "f:1".into(), &opts()).unwrap();
        assert_eq!(r.kind, Kind::Refund);
        assert_eq!(r.status, Status::Reversed);
        assert_eq!(r.fee.unwrap().to_string(), "0.35");
        assert_eq!(r.related_tx_id.as_deref(), Some("C1"));
        assert_eq!(r.description.as_deref(), Some("=HYPERLINK(\"x\")"));
    }

    #[test]
    fn malformed_records_name_the_field() {
        let cases = [
            (r#"{"consume_no": "C1", "type": "Consumption", "amount": "1O0.00", "status": "Success", "time": 1716307200000}"#, "amount"),
            (r#"{"consume_no": "C1", "type": "Consumption", "status": "Success", "time": 1716307200000}"#, "amount"),
            (r#"{"consume_no": "C1", "type": "Consumption", "amount": "1", "status": "Success", "time": "yesterday"}"#, "time"),
            (r#"{"consume_no": "", "type": "Consumption", "amount": "1", "status": "Success", "time": 1716307200000}"#, "consume_no"),
            (r#"{"consume_no": "C1", "type": "Consumption", "amount": "1", "status": "Success", "time": 1716307200}"#, "time"),
            (r#"{"consume_no": "C1", "type": "Consumption", "amount": "-1", "status": "Success", "time": 1716307200000}"#, "amount"),
            (r#"{"consume_no": "C1", "type": "Consumption", "amount": "1", "status": "Success", "time": 1716307200000, "fee_list": [{"amount": true}]}"#, "fee_list[0].amount"),
        ];
        for (json, field) in cases {
            let e = parse("keysecure", json, "f:1".into(), &opts()).unwrap_err();
            assert_eq!(e.field, field, "{json}: {e:?}");
        }
    }
}
