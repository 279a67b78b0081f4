//! txv3's wire records as canonical records: its kind and status tables, and the
//! conversion of each field.

use super::wire::*;
use crate::model::{mask_card, non_empty, Kind, ProviderRecord, Status};
use crate::providers::sample::{eight_places, id, text, SampleRecord};
use crate::providers::{currency, unix_instant, AdapterOptions, FieldError, WireMoney, WireText};
use chrono_tz::Tz;
use rust_decimal::Decimal;

/// The documented gap: what `tx_status` values mean.
pub fn status_of(code: i64) -> Status {
    match code {
        1 => Status::Success,
        0 => Status::Pending,
        2 => Status::Failed,
        3 => Status::Reversed,
        _ => Status::Unknown,
    }
}

/// `business_type` → kind; the API's own list of types.
pub fn kind_of(business_type: i64) -> Option<Kind> {
    Some(match business_type {
        1 => Kind::Consumption,
        2 => Kind::Recharge,
        3 => Kind::Withdrawal,
        8 => Kind::Refund,
        10 => Kind::Fee,
        101 => Kind::BuyCoin,
        102 => Kind::CardClosure,
        _ => return None,
    })
}

/// The business types the API can be asked for, one query each.
pub const BUSINESS_TYPES: [i64; 7] = [1, 2, 3, 8, 10, 101, 102];

/// The inverse of [`kind_of`] (for the generator and the sandbox): the `business_type` of a
/// kind txv3 has; `None` for a kind it does not send.
pub fn business_type(kind: Kind) -> Option<i64> {
    Some(match kind {
        Kind::Consumption => 1,
        Kind::Recharge => 2,
        Kind::Withdrawal => 3,
        Kind::Refund => 8,
        Kind::Fee => 10,
        Kind::BuyCoin => 101,
        Kind::CardClosure => 102,
        _ => return None,
    })
}

/// The inverse of [`status_of`] (an unknown status as the unlisted code 9).
pub fn status_code(status: Status) -> i64 {
    match status {
        Status::Success => 1,
        Status::Pending => 0,
        Status::Failed => 2,
        Status::Reversed => 3,
        Status::Unknown => 9,
    }
}

pub fn parse(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let r: TxRecord = crate::providers::from_json(json)?;
    to_canonical(instance, &r, source, options)
}

fn required(m: &Option<WireMoney>, field: &str) -> Result<Decimal, FieldError> {
    match m {
        Some(m) => m.decimal(field),
        None => Err(FieldError::new(
            field,
            "is missing; this business_type needs it",
        )),
    }
}

fn cur(c: &Option<String>) -> Option<String> {
    non_empty(c.as_deref()).map(|c| crate::money::currency_code(&c))
}

/// The wire field of the settled amount for a business type (the table in the module docs).
fn settled_field(business_type: i64) -> &'static str {
    match business_type {
        1 => "deduction_amount",
        2 => "currency_amount",
        3 => "trade_amount",
        8 | 102 => "refund_amount",
        _ => "tx_amount",
    }
}

pub fn to_canonical(
    instance: &str,
    r: &TxRecord,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let kind = kind_of(r.business_type).ok_or_else(|| {
        FieldError::new(
            "business_type",
            format!("{} is not one of 1, 2, 3, 8, 10, 101, 102", r.business_type),
        )
    })?;
    let opt = WireMoney::optional;
    // (amount, currency, original amount, original currency, fee, fee currency, related id)
    let (amount, currency_code, original_amount, original_currency, fee, fee_currency, related) =
        match r.business_type {
            1 => {
                let cur_d = currency(r.deduction_currency.as_deref(), "deduction_currency")?;
                let fee = opt(&r.fee, "fee")?;
                (
                    required(&r.deduction_amount, "deduction_amount")?,
                    cur_d.clone(),
                    opt(&r.tx_amount, "tx_amount")?,
                    cur(&r.tx_currency),
                    fee,
                    fee.map(|_| cur_d),
                    None,
                )
            }
            2 => {
                let fee = opt(&r.recharge_fee_amount, "recharge_fee_amount")?;
                (
                    required(&r.currency_amount, "currency_amount")?,
                    currency(r.card_coin.as_deref(), "card_coin")?,
                    opt(&r.tx_amount, "tx_amount")?,
                    cur(&r.pay_coin),
                    fee,
                    fee.map(|_| "USDT".to_string()),
                    None,
                )
            }
            3 => {
                let cur_t = currency(r.trade_currency.as_deref(), "trade_currency")?;
                let fee = opt(&r.bank_fee, "bank_fee")?;
                (
                    required(&r.trade_amount, "trade_amount")?,
                    cur_t.clone(),
                    opt(&r.tx_amount, "tx_amount")?,
                    cur(&r.tx_currency),
                    fee,
                    fee.map(|_| cur_t),
                    None,
                )
            }
            8 => (
                required(&r.refund_amount, "refund_amount")?,
                currency(r.refund_coin.as_deref(), "refund_coin")?,
                opt(&r.tx_amount, "tx_amount")?,
                cur(&r.tx_currency),
                None,
                None,
                // Not in the document's refund example; sent as for fees, it names the refunded
                // consumption (the links check, `crate::links`).
                WireText::optional(&r.consume_tx_id),
            ),
            10 => (
                required(&r.tx_amount, "tx_amount")?,
                options.account_currency.clone(),
                None,
                None,
                None,
                None,
                WireText::optional(&r.consume_tx_id),
            ),
            101 => {
                let fee = opt(&r.fee, "fee")?;
                (
                    required(&r.tx_amount, "tx_amount")?,
                    currency(r.pay_coin.as_deref(), "pay_coin")?,
                    opt(&r.buy_amount, "buy_amount")?,
                    cur(&r.buy_coin),
                    fee,
                    fee.and(cur(&r.fee_coin)),
                    None,
                )
            }
            _ => {
                // 102, card closure: the balance refunded to the wallet.
                let fee = opt(&r.fee, "fee")?;
                (
                    required(&r.refund_amount, "refund_amount")?,
                    currency(r.refund_coin.as_deref(), "refund_coin")?,
                    opt(&r.tx_amount, "tx_amount")?,
                    cur(&r.card_coin),
                    fee,
                    fee.and(cur(&r.fee_coin)),
                    None,
                )
            }
        };
    for (value, field) in [
        (Some(amount), settled_field(r.business_type)),
        (original_amount, "tx_amount"),
        (fee, "fee"),
    ] {
        if let Some(v) = value.filter(|v| v.is_sign_negative()) {
            return Err(FieldError::new(
                field,
                format!(
                    "{v} is negative; amounts are magnitudes and the sign comes from business_type"
                ),
            ));
        }
    }
    // The original is only worth keeping where it differs from the settled side.
    let (original_amount, original_currency) = match (original_amount, original_currency) {
        (Some(a), Some(c)) if !(a == amount && c == currency_code) => (Some(a), Some(c)),
        _ => (None, None),
    };
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind,
        tx_id: r.tx_id.required("tx_id")?,
        order_id: None,
        related_tx_id: related,
        card_ref: WireText::optional(&r.card_id),
        card_masked: non_empty(r.card_number.as_deref()).map(|c| mask_card(&c)),
        amount,
        currency: currency_code,
        original_amount,
        original_currency,
        fee,
        fee_currency,
        status: status_of(r.tx_status),
        status_raw: r.tx_status.to_string(),
        occurred_at: unix_instant(r.tx_time, false, "tx_time")?,
        description: non_empty(r.description.as_deref()),
        source,
        rounded_floats: Vec::new(),
    })
}

/// A synthetic record in txv3's wire shape: its [`TxRecord`] with the fields of its
/// `business_type`, through the inverse tables above (the generator's side of [`to_canonical`]).
pub fn sample_wire(r: &SampleRecord, _zone: Tz) -> serde_json::Result<String> {
    let a8 = WireMoney(eight_places(r.amount));
    let secs = r.at.timestamp();
    {
        let cur = text(&r.currency.to_ascii_lowercase());
        let business_type = business_type(r.kind).unwrap_or(102);
        let head = TxRecord {
            card_name: text("USD virtual card"),
            card_id: id(format!("62831588899{:08}", r.card)),
            card_number: Some(crate::model::mask_card(&r.pan())),
            tx_id: WireText(r.tx_id.clone()),
            tx_time: secs,
            tx_status: status_code(r.status),
            business_type,
            tx_amount: Some(a8.clone()),
            ..Default::default()
        };
        let zero8 = || Some(WireMoney("0.00000000".into()));
        let record = match business_type {
            1 => TxRecord {
                tx_currency: cur.clone(),
                deduction_currency: cur,
                deduction_amount: Some(a8),
                mcc: id("5814".into()),
                fee: r.fee.map(|f| WireMoney(eight_places(f))),
                description: text(r.merchant),
                ..head
            },
            2 => TxRecord {
                pay_coin: text("usdt"),
                card_coin: text("usd"),
                currency_amount: Some(a8.clone()),
                real_currency_amount: Some(a8),
                recharge_fee_amount: Some(WireMoney("0".into())),
                real_refund_amount: Some(WireMoney("0".into())),
                description: text(""),
                ..head
            },
            3 => TxRecord {
                tx_currency: cur.clone(),
                trade_currency: cur,
                trade_amount: Some(a8),
                description: text("withdrawal"),
                ..head
            },
            8 => TxRecord {
                tx_currency: cur.clone(),
                refund_coin: cur,
                refund_amount: Some(a8),
                consume_tx_id: r.related.clone().map(WireText),
                description: text("refund"),
                ..head
            },
            10 => TxRecord {
                service_fee_status: text("已支付"),
                consume_tx_id: id(r.related.clone().unwrap_or_default()),
                bill_cycle: text("2026-03-01"),
                bill_total: Some(1),
                fail_num: Some(0),
                service_fee_standard: Some(a8),
                fail_rate: text("--"),
                description: text("消费服务费"),
                ..head
            },
            101 => TxRecord {
                pay_coin: text("usd"),
                buy_coin: text("usdt"),
                buy_amount: Some(a8),
                fee_coin: text("usd"),
                fee: zero8(),
                ..head
            },
            _ => TxRecord {
                card_coin: text("usd"),
                refund_coin: text("usd"),
                refund_amount: Some(a8),
                fee_coin: text("usd"),
                fee: zero8(),
                ..head
            },
        };
        serde_json::to_string(&record)
    }
}
