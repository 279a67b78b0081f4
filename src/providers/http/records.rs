//! The records of one fetch in first-seen order, identical repeats (paging artefacts) dropped
//! and counted, secrets stripped on the way in.

use super::archive::strip_secrets;

/// Keeps records in first-seen order, dropping identical repeats (paging artefacts) and
/// counting them. Different content under one id is kept (a `duplicate_at_provider`).
#[derive(Default)]
pub struct RecordSet {
    seen: std::collections::HashSet<String>,
    pub lines: Vec<String>,
    pub repeats: u64,
}

impl RecordSet {
    pub fn add(&mut self, mut record: serde_json::Value) {
        strip_secrets(&mut record);
        let line = record.to_string();
        if self.seen.insert(line.clone()) {
            self.lines.push(line);
        } else {
            self.repeats += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_repeats_are_counted() {
        let mut set = RecordSet::default();
        set.add(serde_json::json!({"id": 1, "a": "x"}));
        set.add(serde_json::json!({"id": 1, "a": "x"}));
        set.add(serde_json::json!({"id": 1, "a": "y"}));
        assert_eq!((set.lines.len(), set.repeats), (2, 1));
    }
}
