//! cardapp's wire structs: the shapes of its API document, field for field. Secrets the
//! provider sends (`cvv`, `pin`) have no field here, so they never survive parsing.

use crate::providers::{WireMoney, WireText};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CardTrade {
    pub trade_id: WireText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_id: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_no: Option<String>,
    pub trade_type: i64,
    pub trade_result: i64,
    #[serde(serialize_with = "crate::providers::json_number")]
    pub amount: WireMoney,
    pub currency: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::providers::json_number_opt"
    )]
    pub trade_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_currency: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::providers::json_number_opt"
    )]
    pub fee: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcc: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relate_trade_id: Option<WireText>,
    pub trade_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Order {
    pub order_no: WireText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_no: Option<WireText>,
    pub order_type: i64,
    pub order_status: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_id: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_no: Option<String>,
    #[serde(serialize_with = "crate::providers::json_number")]
    pub amount: WireMoney,
    pub currency: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::providers::json_number_opt"
    )]
    pub fee: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_currency: Option<String>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// A card-list entry, as documented. `cvv`/`pin` are deliberately absent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Card {
    pub card_id: WireText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::providers::json_number_opt"
    )]
    pub balance: Option<WireMoney>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::providers::json_number_opt"
    )]
    pub limit: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Probe {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) trade_id: Option<IgnoredAny>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) order_no: Option<IgnoredAny>,
}
