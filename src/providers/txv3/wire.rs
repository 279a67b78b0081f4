//! txv3's wire structs: the shapes of its API document, field for field. Secrets the
//! provider sends (`cvv`, `pin`) have no field here, so they never survive parsing.

use crate::providers::{WireMoney, WireText};
use serde::Deserialize;

/// One transaction record of any `business_type`.
#[derive(Debug, Clone, Deserialize)]
pub struct TxRecord {
    pub business_type: i64,
    pub tx_id: WireText,
    pub tx_time: i64,
    pub tx_status: i64,
    #[serde(default)]
    pub card_name: Option<String>,
    #[serde(default)]
    pub card_id: Option<WireText>,
    #[serde(default)]
    pub card_number: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tx_currency: Option<String>,
    #[serde(default)]
    pub tx_amount: Option<WireMoney>,
    #[serde(default)]
    pub deduction_currency: Option<String>,
    #[serde(default)]
    pub deduction_amount: Option<WireMoney>,
    #[serde(default)]
    pub mcc: Option<WireText>,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    #[serde(default)]
    pub fee_coin: Option<String>,
    #[serde(default)]
    pub pay_coin: Option<String>,
    #[serde(default)]
    pub card_coin: Option<String>,
    #[serde(default)]
    pub currency_amount: Option<WireMoney>,
    #[serde(default)]
    pub real_currency_amount: Option<WireMoney>,
    #[serde(default)]
    pub recharge_fee_amount: Option<WireMoney>,
    #[serde(default)]
    pub real_refund_amount: Option<WireMoney>,
    #[serde(default)]
    pub trade_currency: Option<String>,
    #[serde(default)]
    pub trade_amount: Option<WireMoney>,
    #[serde(default)]
    pub bank_fee: Option<WireMoney>,
    #[serde(default)]
    pub refund_coin: Option<String>,
    #[serde(default)]
    pub refund_amount: Option<WireMoney>,
    #[serde(default)]
    pub service_fee_status: Option<String>,
    #[serde(default)]
    pub consume_tx_id: Option<WireText>,
    #[serde(default)]
    pub bill_cycle: Option<String>,
    #[serde(default)]
    pub bill_total: Option<i64>,
    #[serde(default)]
    pub fail_num: Option<i64>,
    #[serde(default)]
    pub service_fee_standard: Option<WireMoney>,
    #[serde(default)]
    pub fail_rate: Option<String>,
    #[serde(default)]
    pub buy_coin: Option<String>,
    #[serde(default)]
    pub buy_amount: Option<WireMoney>,
}
