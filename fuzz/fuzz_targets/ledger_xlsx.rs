//! A xlsx ledger from arbitrary bytes, through the whole loader (cells, mapping, entries).
//! Any input may be refused with an error; none may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("ledger.xlsx");
    if std::fs::write(&path, data).is_ok() {
        let _ = cardrecon::ledger::load(&path, &cardrecon::config::Settings::defaults());
    }
});
