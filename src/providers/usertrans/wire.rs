//! usertrans's wire structs: the shapes of its API document, field for field. Secrets the
//! provider sends (`cvv`, `pin`) have no field here, so they never survive parsing.

use crate::providers::{WireMoney, WireText};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct UserTrans {
    #[serde(serialize_with = "crate::providers::json_number")]
    pub trans_id: WireText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<WireText>,
    pub trans_type: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::providers::json_number_opt"
    )]
    pub card_binding_id: Option<WireText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_no: Option<String>,
    pub amount: WireMoney,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<WireMoney>,
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A refund's original (`trans_id` of the payment it refunds): designed, in the document's
    /// naming, for the links check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relate_trans_id: Option<WireText>,
}
