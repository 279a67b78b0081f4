//! What the ledger fuzz targets share: arbitrary bytes as a ledger file of one format, through
//! the whole loader: the table the pipeline reads (`load_frame`: for Parquet the typed path, then
//! the row loader if it gives up) and the entries `check-ledger` reads (`load`, the row loader).

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
        let settings = cardrecon::config::Settings::defaults();
        let _ = cardrecon::ledger::load_frame(&path, &settings, settings.timezone);
        let _ = cardrecon::ledger::load(&path, &settings);
    }
}
