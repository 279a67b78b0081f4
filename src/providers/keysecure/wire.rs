//! keysecure's wire structs: the shapes of its API document, field for field. Secrets the
//! provider sends (`cvv`, `pin`) have no field here, so they never survive parsing.

use crate::providers::{WireMoney, WireText};
use serde::{Deserialize, Serialize};

/// One consumption record: the list shape plus the detail endpoint's optional fields.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ConsumeRecord {
    pub consume_no: WireText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consume_relate_no: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_no: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cardholder_no: Option<WireText>,
    #[serde(rename = "type")]
    pub kind: String,
    pub amount: WireMoney,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_amount: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<WireMoney>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_list: Option<Vec<FeeItem>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_info: Option<MerchantInfo>,
    pub status: String,
    /// Unix milliseconds.
    pub time: i64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct FeeItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_type: Option<String>,
    pub amount: WireMoney,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MerchantInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_mcc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}
