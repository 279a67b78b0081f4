//! keysecure's wire structs: the shapes of its API document, field for field. Secrets the
//! provider sends (`cvv`, `pin`) have no field here, so they never survive parsing.

use crate::providers::{WireMoney, WireText};
use serde::Deserialize;

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
