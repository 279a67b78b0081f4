//! keysecure's wire records as canonical records: its kind and status tables, and the
//! conversion of each field.

use super::wire::*;
use crate::model::{non_empty, Kind, ProviderRecord, Status};
use crate::providers::sample::{id, text, SampleRecord};
use crate::providers::{unix_instant, AdapterOptions, FieldError, WireMoney, WireText};
use chrono_tz::Tz;

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

/// The inverse of [`kind_of`] (for the generator and the sandbox): the word keysecure sends for
/// a kind it has; `None` for a kind it does not send.
pub fn kind_word(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Consumption => "Consumption",
        Kind::Refund => "Refund",
        Kind::Fee => "Fee",
        Kind::Recharge => "Recharge",
        _ => return None,
    })
}

/// The inverse of [`status_of`].
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Success => "Success",
        Status::Failed => "Failed",
        Status::Pending => "Pending",
        Status::Reversed => "Reversed",
        Status::Unknown => "Unknown",
    }
}

pub fn parse(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let r: ConsumeRecord = crate::providers::from_json(json)?;
    to_canonical(instance, &r, source, options)
}

pub fn to_canonical(
    instance: &str,
    r: &ConsumeRecord,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let amount = r.amount.decimal("amount")?;
    if amount.is_sign_negative() {
        return Err(FieldError::new(
            "amount",
            format!(
                "`{}` is negative; amounts are magnitudes and the sign comes from `type`",
                r.amount.0
            ),
        ));
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
    let original_currency =
        non_empty(r.local_currency.as_deref()).map(|c| crate::money::currency_code(&c));
    let merchant = r
        .merchant_info
        .as_ref()
        .and_then(|m| non_empty(m.merchant_name.as_deref()));
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
        rounded_floats: Vec::new(),
    })
}

/// A synthetic record in keysecure's wire shape: its [`ConsumeRecord`], through the inverse
/// tables above (the generator's side of [`to_canonical`]).
pub fn sample_wire(r: &SampleRecord, _zone: Tz) -> serde_json::Result<String> {
    let a2 = WireMoney(crate::money::format(r.amount));
    serde_json::to_string(&ConsumeRecord {
        consume_no: WireText(r.tx_id.clone()),
        card_no: id(format!("card{:04}", r.card)),
        kind: kind_word(r.kind).unwrap_or("Consumption").into(),
        amount: a2,
        status: status_word(r.status).into(),
        time: r.at.timestamp_millis(),
        consume_relate_no: r.related.clone().map(WireText),
        fee_list: r.fee.map(|f| {
            vec![FeeItem {
                fee_type: text("transaction_fee"),
                amount: WireMoney(crate::money::format(f)),
            }]
        }),
        merchant_info: Some(MerchantInfo {
            merchant_name: text(r.merchant),
            merchant_mcc: text("5814"),
            city: text("London"),
            country: text("GB"),
        }),
        ..Default::default()
    })
}
