//! txv3's wire structs: the shapes of its API document, field for field. Secrets the
//! provider sends (`cvv`, `pin`) have no field here, so they never survive parsing.

use crate::providers::{WireMoney, WireText};
use serde::{Deserialize, Serialize};

/// One transaction record of any `business_type`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TxRecord {
    pub business_type: i64,
    pub tx_id: WireText,
    pub tx_time: i64,
    pub tx_status: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_id: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduction_currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deduction_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcc: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_coin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_coin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_coin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_currency_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recharge_fee_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_refund_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_fee: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_coin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_fee_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consume_tx_id: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_cycle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_total: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_num: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::providers::json_number_opt"
    )]
    pub service_fee_standard: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_rate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buy_coin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buy_amount: Option<WireMoney>,
}
