//! usertrans's wire records as canonical records: its kind and status tables, and the
//! conversion of each field.

use super::wire::*;
use crate::model::{mask_card, non_empty, Kind, ProviderRecord, Status};
use crate::providers::sample::{id, text, SampleRecord};
use crate::providers::{currency, unix_instant, AdapterOptions, FieldError, WireMoney, WireText};
use chrono_tz::Tz;

pub fn kind_of(raw: &str) -> Kind {
    match raw.trim().to_ascii_lowercase().as_str() {
        "recharge" => Kind::Recharge,
        "payment" => Kind::Consumption,
        "open_card" => Kind::OpenCard,
        "refund" => Kind::Refund,
        _ => Kind::Other,
    }
}

pub fn status_of(raw: &str) -> Status {
    match raw.trim().to_ascii_lowercase().as_str() {
        "success" | "completed" => Status::Success,
        "pending" | "processing" => Status::Pending,
        "failed" => Status::Failed,
        "cancelled" | "reversed" | "refunded" => Status::Reversed,
        _ => Status::Unknown,
    }
}

/// The inverse of [`kind_of`] (for the generator and the sandbox): the `trans_type` of a kind
/// usertrans has; `None` for a kind it does not send.
pub fn trans_type_word(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Recharge => "recharge",
        Kind::Consumption => "payment",
        Kind::OpenCard => "open_card",
        Kind::Refund => "refund",
        _ => return None,
    })
}

/// The inverse of [`status_of`] (reversed as `cancelled`, an unknown status as `??`).
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Success => "success",
        Status::Pending => "pending",
        Status::Failed => "failed",
        Status::Reversed => "cancelled",
        Status::Unknown => "??",
    }
}

pub fn parse(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let r: UserTrans = crate::providers::from_json(json)?;
    to_canonical(instance, &r, source, options)
}

pub fn to_canonical(
    instance: &str,
    r: &UserTrans,
    source: String,
    _options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let amount = r.amount.decimal("amount")?;
    if amount.is_sign_negative() {
        return Err(FieldError::new(
            "amount",
            format!("`{}` is negative; amounts are magnitudes", r.amount.0),
        ));
    }
    let cur = currency(Some(&r.currency), "currency")?;
    let fee = WireMoney::optional(&r.fee, "fee")?;
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind: kind_of(&r.trans_type),
        tx_id: r.trans_id.required("trans_id")?,
        order_id: WireText::optional(&r.order_id),
        related_tx_id: WireText::optional(&r.relate_trans_id),
        card_ref: WireText::optional(&r.card_binding_id),
        card_masked: non_empty(r.card_no.as_deref()).map(|c| mask_card(&c)),
        amount,
        fee_currency: fee.map(|_| cur.clone()),
        currency: cur,
        original_amount: None,
        original_currency: None,
        fee,
        status: status_of(&r.status),
        status_raw: r.status.clone(),
        occurred_at: unix_instant(r.created_at, false, "created_at")?,
        description: non_empty(r.description.as_deref()),
        source,
        rounded_floats: Vec::new(),
    })
}

/// A synthetic record in usertrans' wire shape: its [`UserTrans`], through the inverse tables
/// above (the generator's side of [`to_canonical`]).
pub fn sample_wire(r: &SampleRecord, _zone: Tz) -> serde_json::Result<String> {
    let a2 = WireMoney(crate::money::format(r.amount));
    let secs = r.at.timestamp();
    serde_json::to_string(&UserTrans {
        trans_id: WireText(r.tx_id.clone()),
        transaction_id: id(format!("tx_{}", r.tx_id)),
        order_id: id(r.order_id.clone().unwrap_or_default()),
        trans_type: trans_type_word(r.kind).unwrap_or("payment").into(),
        card_binding_id: id((12_000 + r.card).to_string()),
        card_no: Some(crate::model::mask_card(&r.pan())),
        amount: a2,
        currency: r.currency.clone(),
        fee: r.fee.map(|f| WireMoney(crate::money::format(f))),
        status: status_word(r.status).into(),
        created_at: secs,
        description: text(r.merchant),
        relate_trans_id: r.related.clone().map(WireText),
    })
}
