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

/// Removes secrets a provider puts in records (cardapp's `cvv` and `pin`) before anything is
/// archived or logged; masks full card numbers.
pub fn strip_secrets(record: &mut serde_json::Value) {
    if let Some(m) = record.as_object_mut() {
        m.remove("cvv");
        m.remove("pin");
        for key in ["card_no", "card_number"] {
            if let Some(serde_json::Value::String(s)) = m.get_mut(key) {
                let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
                if digits >= 12 {
                    *s = crate::model::mask_card(s);
                }
            }
        }
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
    }
}
