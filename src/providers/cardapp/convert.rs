//! cardapp's wire records as canonical records: its kind and status tables, and the
//! conversion of each field.

use super::wire::*;
use crate::model::{mask_card, non_empty, Kind, ProviderRecord, Status};
use crate::providers::sample::{id, text, SampleRecord};
use crate::providers::{
    currency, wall_clock_instant, AdapterOptions, FieldError, WireMoney, WireText,
};
use chrono_tz::Tz;
use rust_decimal::Decimal;

pub fn trade_kind(code: i64) -> Kind {
    match code {
        1 => Kind::Consumption,
        2 => Kind::Refund,
        3 => Kind::Fee,
        _ => Kind::Other,
    }
}

pub fn trade_status(code: i64) -> Status {
    match code {
        1 => Status::Success,
        2 => Status::Failed,
        3 => Status::Pending,
        4 => Status::Reversed,
        _ => Status::Unknown,
    }
}

pub fn order_kind(code: i64) -> Kind {
    match code {
        1 => Kind::OpenCard,
        2 => Kind::Recharge,
        3 => Kind::CardClosure,
        _ => Kind::Other,
    }
}

pub fn order_status(code: i64) -> Status {
    match code {
        1 | 2 => Status::Pending,
        3 => Status::Success,
        4 => Status::Failed,
        5 => Status::Reversed,
        _ => Status::Unknown,
    }
}

/// The inverse of [`trade_kind`] (for the generator and the sandbox); `None` for a kind that is
/// not a card trade.
pub fn trade_type_code(kind: Kind) -> Option<i64> {
    Some(match kind {
        Kind::Consumption => 1,
        Kind::Refund => 2,
        Kind::Fee => 3,
        _ => return None,
    })
}

/// The inverse of [`trade_status`] (an unknown result as the unlisted code 9).
pub fn trade_result_code(status: Status) -> i64 {
    match status {
        Status::Success => 1,
        Status::Failed => 2,
        Status::Pending => 3,
        Status::Reversed => 4,
        Status::Unknown => 9,
    }
}

/// The inverse of [`order_kind`]; `None` for a kind that is not an order.
pub fn order_type_code(kind: Kind) -> Option<i64> {
    Some(match kind {
        Kind::OpenCard => 1,
        Kind::Recharge => 2,
        Kind::CardClosure => 3,
        _ => return None,
    })
}

/// The inverse of [`order_status`] (pending as 1, an unknown status as the unlisted code 9).
pub fn order_status_code(status: Status) -> i64 {
    match status {
        Status::Pending => 1,
        Status::Success => 3,
        Status::Failed => 4,
        Status::Reversed => 5,
        Status::Unknown => 9,
    }
}

pub fn parse(
    instance: &str,
    json: &str,
    source: String,
    options: &AdapterOptions,
) -> Result<Option<ProviderRecord>, FieldError> {
    let probe: Probe = crate::providers::from_json(json)?;
    if probe.trade_id.is_some() {
        let t: CardTrade = crate::providers::from_json(json)?;
        trade_to_canonical(instance, &t, source, options).map(Some)
    } else if probe.order_no.is_some() {
        let o: Order = crate::providers::from_json(json)?;
        order_to_canonical(instance, &o, source, options).map(Some)
    } else {
        // Validate the card entry's shape, then drop it (and its cvv/pin) entirely.
        let _card: Card = crate::providers::from_json(json)?;
        Ok(None)
    }
}

/// A card-list entry as a [`CardSnapshot`] (`None` for a line that is no card entry):
/// `balance` and `limit` (cumulative recharge) are floats in the account currency, as its
/// document declares.
pub fn card_snapshot(
    instance: &str,
    json: &str,
    options: &AdapterOptions,
) -> Result<Option<crate::model::CardSnapshot>, FieldError> {
    let probe: Probe = crate::providers::from_json(json)?;
    if probe.trade_id.is_some() || probe.order_no.is_some() {
        return Ok(None);
    }
    let card: Card = crate::providers::from_json(json)?;
    let cur = options.account_currency.clone();
    let mut rounded = Vec::new();
    // An unreadable balance is reported on the card's row, not a reason to stop the month.
    let mut problems = Vec::new();
    let mut money = |m: &Option<WireMoney>, field: &str| {
        m.as_ref()
            .and_then(|m| match m.float(field, &cur, &mut rounded) {
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push(format!("{field}: {}", e.message));
                    None
                }
            })
    };
    let balance = money(&card.balance, "balance");
    let limit = money(&card.limit, "limit");
    Ok(Some(crate::model::CardSnapshot {
        provider: instance.to_string(),
        card_id: card.card_id.required("card_id")?,
        card_masked: non_empty(card.card_no.as_deref()).map(|c| mask_card(&c)),
        status: card.status,
        balance,
        limit,
        currency: cur.clone(),
        problem: (!problems.is_empty()).then(|| problems.join("; ")),
    }))
}

/// A money field of cardapp's, which its document declares a float: read by
/// [`WireMoney::float`], and refused when negative.
fn magnitude(
    m: &WireMoney,
    field: &str,
    currency: &str,
    rounded: &mut Vec<String>,
) -> Result<rust_decimal::Decimal, FieldError> {
    let d = m.float(field, currency, rounded)?;
    if d.is_sign_negative() {
        return Err(FieldError::new(
            field,
            format!("`{}` is negative; amounts are magnitudes", m.0),
        ));
    }
    Ok(d)
}

pub fn trade_to_canonical(
    instance: &str,
    t: &CardTrade,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let mut rounded = Vec::new();
    let cur = currency(Some(&t.currency), "currency")?;
    let amount = magnitude(&t.amount, "amount", &cur, &mut rounded)?;
    let fee = WireMoney::optional_float(&t.fee, "fee", &cur, &mut rounded)?;
    let original_currency =
        non_empty(t.trade_currency.as_deref()).map(|c| crate::money::currency_code(&c));
    let original_amount = WireMoney::optional_float(
        &t.trade_amount,
        "trade_amount",
        original_currency.as_deref().unwrap_or(&cur),
        &mut rounded,
    )?;
    let (original_amount, original_currency) = match (original_amount, original_currency) {
        (Some(a), Some(c)) if !(a == amount && c == cur) => (Some(a), Some(c)),
        _ => (None, None),
    };
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind: trade_kind(t.trade_type),
        tx_id: t.trade_id.required("trade_id")?,
        order_id: None,
        related_tx_id: WireText::optional(&t.relate_trade_id),
        card_ref: WireText::optional(&t.card_id),
        card_masked: non_empty(t.card_no.as_deref()).map(|c| mask_card(&c)),
        amount,
        fee_currency: fee.map(|_| cur.clone()),
        currency: cur,
        original_amount,
        original_currency,
        fee,
        status: trade_status(t.trade_result),
        status_raw: t.trade_result.to_string(),
        occurred_at: wall_clock_instant(&t.trade_at, options.wire_timezone, "trade_at")?,
        description: non_empty(t.merchant_name.as_deref()),
        source,
        rounded_floats: rounded,
    })
}

pub fn order_to_canonical(
    instance: &str,
    o: &Order,
    source: String,
    options: &AdapterOptions,
) -> Result<ProviderRecord, FieldError> {
    let mut rounded = Vec::new();
    let cur = currency(Some(&o.currency), "currency")?;
    let amount = magnitude(&o.amount, "amount", &cur, &mut rounded)?;
    let fee_currency = non_empty(o.fee_currency.as_deref())
        .map(|c| crate::money::currency_code(&c))
        .unwrap_or_else(|| cur.clone());
    let fee = WireMoney::optional_float(&o.fee, "fee", &fee_currency, &mut rounded)?;
    let (when, field) = match non_empty(o.finished_at.as_deref()) {
        Some(f) => (f, "finished_at"),
        None => (o.created_at.clone(), "created_at"),
    };
    Ok(ProviderRecord {
        provider: instance.to_string(),
        kind: order_kind(o.order_type),
        tx_id: o.order_no.required("order_no")?,
        order_id: WireText::optional(&o.merchant_order_no),
        related_tx_id: None,
        card_ref: WireText::optional(&o.card_id),
        card_masked: non_empty(o.card_no.as_deref()).map(|c| mask_card(&c)),
        amount,
        fee_currency: fee.map(|_| fee_currency),
        currency: cur,
        original_amount: None,
        original_currency: None,
        fee,
        status: order_status(o.order_status),
        status_raw: o.order_status.to_string(),
        occurred_at: wall_clock_instant(&when, options.wire_timezone, field)?,
        description: None,
        source,
        rounded_floats: rounded,
    })
}

/// A synthetic record in cardapp's wire shape: a [`CardTrade`] or an [`Order`] (money as JSON
/// numbers, times on the wall clock of `zone`), through the inverse tables above.
pub fn sample_wire(r: &SampleRecord, wire_zone: Tz) -> serde_json::Result<String> {
    let a2 = WireMoney(crate::money::format(r.amount));
    {
        let wall = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&wire_zone)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        let card_no = Some(r.pan());
        let card_id = id(format!("card{:04}", r.card));
        if r.tx_id.starts_with("OD") {
            // A pending order is not finished yet: its time is created_at.
            let pending = r.status == Status::Pending;
            serde_json::to_string(&Order {
                order_no: WireText(r.tx_id.clone()),
                merchant_order_no: Some(WireText(r.order_id.clone().unwrap_or_default())),
                order_type: order_type_code(r.kind).unwrap_or(3),
                order_status: order_status_code(r.status),
                card_id,
                card_no,
                amount: a2,
                currency: r.currency.clone(),
                created_at: if pending {
                    wall(r.at)
                } else {
                    wall(r.at - chrono::Duration::seconds(30))
                },
                finished_at: Some(if pending { String::new() } else { wall(r.at) }),
                ..Default::default()
            })
        } else {
            serde_json::to_string(&CardTrade {
                trade_id: WireText(r.tx_id.clone()),
                card_id,
                card_no,
                trade_type: trade_type_code(r.kind).unwrap_or(1),
                trade_result: trade_result_code(r.status),
                amount: a2,
                currency: r.currency.clone(),
                fee: r.fee.map(|f| WireMoney(crate::money::format(f))),
                merchant_name: text(r.merchant),
                mcc: id("5814".into()),
                relate_trade_id: id(r.related.clone().unwrap_or_default()),
                trade_at: wall(r.at),
                ..Default::default()
            })
        }
    }
}

/// A card-list entry as cardapp sends it: the adapter's [`Card`]
/// plus what the adapter does not read, among it the `cvv`/`pin` that it must drop (which is
/// why they are here and not in the wire struct).
#[derive(serde::Serialize)]
struct SentCard {
    app_id: i64,
    bin_id: &'static str,
    holder_id: &'static str,
    #[serde(flatten)]
    card: Card,
    cvv: String,
    pin: String,
    use_at: &'static str,
    close_at: &'static str,
    end_at: &'static str,
    mark: &'static str,
}

/// A synthetic card list of `cards.len()` cards, card `i` with the given balance and status.
pub fn sample_cards_with(cards: &[(Decimal, i64)]) -> serde_json::Result<Vec<String>> {
    cards
        .iter()
        .enumerate()
        .map(|(card, &(balance, status))| {
            let sent = SentCard {
                app_id: 100_001,
                bin_id: "cpi_6530de6a2f1c7",
                holder_id: "",
                card: Card {
                    card_id: WireText(format!("card{card:04}")),
                    card_no: Some(crate::providers::sample::pan(card)),
                    status: Some(status),
                    balance: Some(WireMoney(crate::money::format(balance))),
                    limit: Some(WireMoney("440.5".into())),
                    expiry: Some("03/28".into()),
                },
                cvv: format!("{:03}", 700 + card),
                pin: format!("{:04}", 4100 + card),
                use_at: "2023-11-24 02:53:47",
                close_at: "",
                end_at: "",
                mark: "",
            };
            serde_json::to_string(&sent)
        })
        .collect()
}
