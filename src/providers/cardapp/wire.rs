//! cardapp's wire structs: the shapes of its API document, field for field. Secrets the
//! provider sends (`cvv`, `pin`) have no field here, so they never survive parsing.

use crate::providers::{WireMoney, WireText};
use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct CardTrade {
    pub trade_id: WireText,
    #[serde(default)]
    pub card_id: Option<WireText>,
    #[serde(default)]
    pub card_no: Option<String>,
    pub trade_type: i64,
    pub trade_result: i64,
    pub amount: WireMoney,
    pub currency: String,
    #[serde(default)]
    pub trade_amount: Option<WireMoney>,
    #[serde(default)]
    pub trade_currency: Option<String>,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    #[serde(default)]
    pub merchant_name: Option<String>,
    #[serde(default)]
    pub mcc: Option<WireText>,
    #[serde(default)]
    pub relate_trade_id: Option<WireText>,
    pub trade_at: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub order_no: WireText,
    #[serde(default)]
    pub merchant_order_no: Option<WireText>,
    pub order_type: i64,
    pub order_status: i64,
    #[serde(default)]
    pub card_id: Option<WireText>,
    #[serde(default)]
    pub card_no: Option<String>,
    pub amount: WireMoney,
    pub currency: String,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    #[serde(default)]
    pub fee_currency: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub finished_at: Option<String>,
}

/// A card-list entry, as documented. `cvv`/`pin` are deliberately absent.
#[derive(Debug, Clone, Deserialize)]
pub struct Card {
    pub card_id: WireText,
    #[serde(default)]
    pub card_no: Option<String>,
    #[serde(default)]
    pub status: Option<i64>,
    #[serde(default)]
    pub balance: Option<WireMoney>,
    #[serde(default)]
    pub limit: Option<WireMoney>,
    #[serde(default)]
    pub expiry: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Probe {
    #[serde(default)]
    pub(super) trade_id: Option<IgnoredAny>,
    #[serde(default)]
    pub(super) order_no: Option<IgnoredAny>,
}
