//! A cardapp list page from arbitrary bytes: the page shape, then every record to canonical form.
//! Any input may be refused with an error; none may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cardrecon::providers::read_page(&cardrecon::providers::cardapp::SPEC, "fuzz page", data);
});
