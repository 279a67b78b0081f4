//! What the ledger fuzz targets share: arbitrary bytes as a ledger file of one format, through
//! the whole loader (cells, mapping, entries).

/// The loader turns a panic inside a third-party parser into an error (`ledger::guarded`), but
/// libfuzzer-sys's panic hook would abort first, so the targets silence it. A panic that escapes
/// the loader still reaches libfuzzer-sys's `catch_unwind` and is reported as a crash.
pub fn silence_panic_hook() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// `data` written as `ledger.<ext>` and loaded; any input may be refused, none may crash.
pub fn load_ledger(ext: &str, data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(format!("ledger.{ext}"));
    if std::fs::write(&path, data).is_ok() {
        let _ = cardrecon::ledger::load(&path, &cardrecon::config::Settings::defaults());
    }
}
