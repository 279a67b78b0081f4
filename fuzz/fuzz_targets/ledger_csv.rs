//! A csv ledger from arbitrary bytes, through the whole loader. Any input may be refused with an
//! error; none may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: cardrecon_fuzz::silence_panic_hook(), |data: &[u8]| cardrecon_fuzz::load_ledger("csv", data));
