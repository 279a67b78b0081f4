//! The run's raw archive: every page as the provider sent it (secrets removed first), and the
//! fetched records one per line, each file written whole or not at all. Secrets are stripped
//! here because this is where provider data first touches disk.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The archive of one provider's raw pages: `raw/<instance>/pages/...json`, each written to a
/// temporary name and renamed, so a page file that exists is whole. A fetch started again on the
/// same run directory reads pages from here instead of asking the provider again.
#[derive(Debug, Clone)]
pub struct Archive {
    pub dir: PathBuf,
}

impl Archive {
    pub fn new(run_raw: &Path, instance: &str) -> Archive {
        Archive {
            dir: run_raw.join(instance),
        }
    }

    pub fn page_path(&self, key: &str) -> PathBuf {
        self.dir.join("pages").join(format!("{key}.json"))
    }

    pub fn read(&self, key: &str) -> Option<serde_json::Value> {
        let text = std::fs::read(self.page_path(key)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    pub fn write(&self, key: &str, value: &serde_json::Value) -> Result<()> {
        let path = self.page_path(key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_vec(value).map_err(|e| Error::Output {
            path: path.clone(),
            message: e.to_string(),
            cause: Some(Box::new(e)),
        })?;
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }

    /// Writes the fetched records, one wire record per line: what `reconcile` reads.
    pub fn write_records(&self, name: &str, lines: &[String]) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let path = self.dir.join(format!("{name}.jsonl"));
        let tmp = path.with_extension("jsonl.tmp");
        let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        Ok(path)
    }
}

/// Fields that hold a card's security code or PIN: removed wherever they are.
const SECRET_FIELDS: [&str; 5] = ["cvv", "cvv2", "cvc", "pin", "pin_code"];
/// Fields that may hold a full card number: masked wherever they are (12 digits or more).
const CARD_NUMBER_FIELDS: [&str; 5] = ["card_no", "card_number", "card", "pan", "card_pan"];

/// Removes secrets a provider puts in records (a card list's `cvv` and `pin`) before anything
/// is archived or logged, and masks full card numbers, at any depth of the value: a record, a
/// page answer whatever its shape, a detail. The field names are the common ones, not any one
/// provider's, so a new provider's records are covered without an edit here.
pub fn strip_secrets(record: &mut serde_json::Value) {
    match record {
        serde_json::Value::Object(m) => {
            for key in SECRET_FIELDS {
                m.remove(key);
            }
            for key in CARD_NUMBER_FIELDS {
                if let Some(serde_json::Value::String(s)) = m.get_mut(key) {
                    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
                    if digits >= 12 {
                        *s = crate::model::mask_card(s);
                    }
                }
            }
            for value in m.values_mut() {
                strip_secrets(value);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_secrets),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_secrets_are_stripped_and_numbers_masked() {
        let mut v = serde_json::json!({"card_id": "c1", "card_no": "4485333916826937", "cvv": "715", "pin": "1234", "balance": 200.5});
        strip_secrets(&mut v);
        assert_eq!(
            v.to_string(),
            r#"{"balance":200.5,"card_id":"c1","card_no":"448533******6937"}"#
        );
        // At any depth, whatever the page's shape.
        let mut page = serde_json::json!({"records": [{"card": "4485 3339 1682 6937", "cvv": "1"}], "total": 1});
        strip_secrets(&mut page);
        assert_eq!(
            page.to_string(),
            r#"{"records":[{"card":"448533******6937"}],"total":1}"#
        );
    }
}
