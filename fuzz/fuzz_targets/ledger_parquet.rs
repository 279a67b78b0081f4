//! A parquet ledger from arbitrary bytes, through the whole loader (cells, mapping, entries).
//! Any input may be refused with an error; none may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // The loader turns a panic inside a third-party parser into an error (ledger::guarded);
    // libfuzzer-sys's hook would abort first, so it is silenced. A panic that escapes the
    // loader still reaches libfuzzer-sys's catch_unwind and is reported as a crash.
    init: std::panic::set_hook(Box::new(|_| {})),
    |data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("ledger.parquet");
    if std::fs::write(&path, data).is_ok() {
        let _ = cardrecon::ledger::load(&path, &cardrecon::config::Settings::defaults());
    }
    }
);
