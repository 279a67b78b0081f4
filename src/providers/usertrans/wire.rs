//! usertrans's wire structs: the shapes of its API document, field for field. Secrets the
//! provider sends (`cvv`, `pin`) have no field here, so they never survive parsing.

use crate::providers::{WireMoney, WireText};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct UserTrans {
    pub trans_id: WireText,
    #[serde(default)]
    pub transaction_id: Option<WireText>,
    #[serde(default)]
    pub order_id: Option<WireText>,
    pub trans_type: String,
    #[serde(default)]
    pub card_binding_id: Option<WireText>,
    #[serde(default)]
    pub card_no: Option<String>,
    pub amount: WireMoney,
    pub currency: String,
    #[serde(default)]
    pub fee: Option<WireMoney>,
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    #[serde(default)]
    pub description: Option<String>,
}
