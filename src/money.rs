//! Money: exact decimals, never binary floats.
//!
//! Every amount is parsed from its text into a [`rust_decimal::Decimal`] and carried in the
//! canonical tables as a polars `Decimal(38, 8)` column (an `i128` count of 10⁻⁸ units). Eight
//! places is the finest any provider sends (txv3's amounts all have 8). An amount with more
//! places is refused rather than rounded, because silently rounding money is how books drift.
//! The one exception is money a provider's document declares a binary float ([`parse_float`]):
//! there seventeen places are a double's rendering of a decimal, not a finer amount.

use rust_decimal::Decimal;

/// Decimal places of every money column.
pub const SCALE: u32 = 8;
/// Precision of every money column (polars' maximum).
pub const PRECISION: usize = 38;

/// Parses a money amount from text: optional sign, digits, optional `.` and up to 8 places.
/// No exponent, no thousands separators, no currency symbol: anything else is an error message
/// suitable for naming in a file/line/field error.
pub fn parse(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty amount".into());
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let mut parts = digits.splitn(2, '.');
    let int_part = parts.next().unwrap_or("");
    let frac_part = parts.next();
    let ok_int = !int_part.is_empty() && int_part.bytes().all(|b| b.is_ascii_digit());
    let ok_frac = frac_part.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()));
    let has_digit = ok_int || frac_part.is_some_and(|f| !f.is_empty() && int_part.is_empty());
    if !(ok_frac && has_digit && (ok_int || int_part.is_empty())) {
        return Err(format!("`{}` is not a decimal amount", shorten(t)));
    }
    if let Some(f) = frac_part {
        let significant = f.trim_end_matches('0').len();
        if significant > SCALE as usize {
            return Err(format!(
                "`{}` has more than {SCALE} decimal places",
                shorten(t)
            ));
        }
    }
    let normalized = t.strip_prefix('+').unwrap_or(t);
    let normalized = if normalized.starts_with('.') || normalized.starts_with("-.") {
        normalized.replacen('.', "0.", 1)
    } else {
        normalized.to_string()
    };
    // Trim trailing zeros beyond our scale before handing to rust_decimal (it caps at 28 places).
    let normalized = match normalized.split_once('.') {
        Some((i, f)) if f.len() > SCALE as usize => format!("{i}.{}", &f[..SCALE as usize]),
        _ => normalized,
    };
    let int_digits = int_part.trim_start_matches('0').len();
    if int_digits > MAX_INTEGER_DIGITS {
        return Err(format!(
            "`{}` is out of range: more than {MAX_INTEGER_DIGITS} digits before the decimal point",
            shorten(t)
        ));
    }
    Decimal::from_str_exact(&normalized).map_err(|e| format!("`{}`: {e}", shorten(t)))
}

/// A money value that the provider's document declares a binary float (cardapp's amounts and
/// balances), read from the number's JSON text.
///
/// A provider that computes in doubles sends `0.30000000000000004` for 0.30: seventeen places
/// that [`parse`] refuses, though the provider meant 0.30. Refusing it would stop a whole month's
/// run over a rounding artefact; rounding every float would hide a value that is really finer
/// than a cent. So: text that [`parse`] reads exactly is taken exactly. Otherwise the value is
/// rounded to the currency's ISO 4217 minor units (then, failing that, to [`SCALE`] places, the
/// finest a money column holds) and taken only when the text lies within a double's error of
/// that decimal ([`FLOAT_RELATIVE_ERROR`]); anything finer stays an error. The result says
/// whether it was rounded, so the caller can report it.
pub fn parse_float(text: &str, currency: &str) -> Result<FloatRead, String> {
    let refusal = match parse(text) {
        Ok(d) => return Ok(FloatRead::Exact(d)),
        Err(e) => e,
    };
    let t = text.trim();
    // A JSON number's text: digits, an optional fraction and an optional exponent.
    let exact = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).ok()
    } else {
        Decimal::from_str_exact(t).ok()
    };
    let Some(x) = exact else {
        return Err(refusal);
    };
    if x.normalize().scale() <= SCALE {
        // An exponent form of an amount with at most eight places (`1.5e2`).
        return parse(&x.normalize().to_string())
            .map(FloatRead::Exact)
            .map_err(|_| refusal);
    }
    let minor = minor_units(currency).unwrap_or(SCALE).min(SCALE);
    for places in [minor, SCALE] {
        let r =
            x.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointNearestEven);
        let bound = x.abs().max(r.abs()) * FLOAT_RELATIVE_ERROR;
        if !r.is_zero() && (x - r).abs() <= bound {
            return parse(&r.to_string())
                .map(FloatRead::Rounded)
                .map_err(|_| refusal);
        }
    }
    Err(format!(
        "{refusal}, and it is not a binary float's rounding of an amount in {} minor units",
        if currency.is_empty() {
            "the currency's"
        } else {
            currency
        }
    ))
}

/// What [`parse_float`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatRead {
    /// The text was a decimal amount as it stands.
    Exact(Decimal),
    /// The text was a double's rendering of this amount (`0.30000000000000004` → `0.30`).
    Rounded(Decimal),
}

impl FloatRead {
    pub fn value(self) -> Decimal {
        match self {
            FloatRead::Exact(d) | FloatRead::Rounded(d) => d,
        }
    }
}

/// How far a double's decimal text may lie from the amount it stands for, relative to the
/// amount: 2⁻⁵⁰, four units in the last place of a double (one is 2⁻⁵² at most). A sum or product
/// of a few doubles stays within that; a value really finer than the currency's units does not.
pub const FLOAT_RELATIVE_ERROR: Decimal = Decimal::from_parts(8_881_784, 0, 0, false, 22);

/// The ISO 4217 minor units of a currency code (USD 2, JPY 0, BHD 3); `None` for a code that is
/// not an ISO currency (a stablecoin such as USDT, or what a provider sent by mistake).
pub fn minor_units(currency: &str) -> Option<u32> {
    iso_currency::Currency::from_code(currency)
        .and_then(|c| c.exponent())
        .map(u32::from)
}

/// Amounts have at most this many integer digits, so every amount is exact at [`SCALE`] places
/// in a `Decimal` (96-bit mantissa: 20 + 8 digits fit) and sums of millions of them cannot
/// overflow. A larger number in a provider or ledger file is an input error, never silently
/// rounded.
pub const MAX_INTEGER_DIGITS: usize = 20;

/// The amount as the `i128` mantissa at [`SCALE`] places: what a polars Decimal(38, 8) holds.
pub fn to_units(d: Decimal) -> i128 {
    let mut d = d;
    d.rescale(SCALE);
    d.mantissa()
}

/// The inverse of [`to_units`].
pub fn from_units(units: i128) -> Decimal {
    Decimal::from_i128_with_scale(units, SCALE)
}

/// Plain decimal text for outputs: `.` separator, no exponent, no thousands separators, trailing
/// zeros trimmed but at least two places (`100.00`, `0.20`, `102.99569182`).
pub fn format(d: Decimal) -> String {
    let mut n = d.normalize();
    if n.scale() < 2 {
        n.rescale(2);
    }
    n.to_string()
}

/// [`format`] for a value held as [`to_units`] units.
pub fn format_units(units: i128) -> String {
    format(from_units(units))
}

/// An amount as people read it: thousands separators and the currency's ISO 4217 minor units
/// (two for a code that is not ISO), with more decimals only where the value has them. The flag
/// says it has them (finer than the currency's units): a report shows that, never rounds it.
/// `format` stays the plain text of machine outputs.
pub fn display(d: Decimal, currency: &str) -> (String, bool) {
    let units = display_units(currency);
    let scale = d.normalize().scale();
    let mut x = d;
    x.rescale(scale.max(units));
    let text = x.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3 + 12);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let shown = match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    };
    (shown, scale > units)
}

/// The decimals a report shows for `currency`: its ISO 4217 minor units, else two.
pub fn display_units(currency: &str) -> u32 {
    minor_units(currency).unwrap_or(2)
}

/// Upper-cased, trimmed currency code (`"usd "` → `"USD"`).
pub fn currency_code(text: &str) -> String {
    currency_code_cow(text).into_owned()
}

/// [`currency_code`] without a copy when the code is already trimmed and upper-case.
pub fn currency_code_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if text.trim().len() == text.len() && !text.bytes().any(|b| b.is_ascii_lowercase()) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.trim().to_ascii_uppercase())
    }
}

/// Whether a currency code looks like an ISO 4217 code or a common stablecoin. Other codes
/// (txv3's `"jp"`, say) are kept as sent and reported as a data-quality note.
pub fn is_plausible_currency(code: &str) -> bool {
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()))
        || matches!(code, "USDT" | "USDC")
}

fn shorten(t: &str) -> String {
    if t.chars().count() > 40 {
        let s: String = t.chars().take(40).collect();
        format!("{s}…")
    } else {
        t.to_string()
    }
}

/// Serializes an amount as its plain decimal text ([`format`]), for serde's `serialize_with`.
pub fn serialize_text<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*d))
}

/// Reads an amount written by [`serialize_text`] (a run's `summary.json` read back): the exact
/// text through [`parse`], never a float, and an error rather than a default when it is not one.
pub fn deserialize_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    parse(&text).map_err(serde::de::Error::custom)
}

/// [`serialize_text`] for an optional amount (`null` when absent).
pub fn serialize_opt_text<S: serde::Serializer>(
    d: &Option<Decimal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&format(*d)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_round_trips() {
        assert_eq!(format(parse("100").unwrap()), "100.00");
        assert_eq!(format(parse("100.00000000").unwrap()), "100.00");
        assert_eq!(format(parse("102.99569182").unwrap()), "102.99569182");
        assert_eq!(format(parse("-0.5").unwrap()), "-0.50");
        assert_eq!(format(parse(".5").unwrap()), "0.50");
        assert_eq!(format(parse("+7.10").unwrap()), "7.10");
        assert_eq!(format(parse("0.1000000000").unwrap()), "0.10");
        assert_eq!(to_units(parse("0.2").unwrap()), 20_000_000);
        assert_eq!(
            format_units(to_units(parse("12345678901234.5").unwrap())),
            "12345678901234.50"
        );
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for bad in [
            "",
            "abc",
            "1e5",
            "1,000.00",
            "1.2.3",
            "$5",
            "--1",
            "1.123456789",
            "-",
            ".",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse("1.123456789")
            .unwrap_err()
            .contains("more than 8 decimal places"));
    }

    #[test]
    fn floats_are_read_at_the_currencys_minor_units_within_a_doubles_error() {
        let rounded = |t: &str, c: &str| match parse_float(t, c).unwrap() {
            FloatRead::Rounded(d) => format(d),
            FloatRead::Exact(d) => panic!("{t} read exactly as {d}, expected a rounding"),
        };
        let exact = |t: &str, c: &str| match parse_float(t, c).unwrap() {
            FloatRead::Exact(d) => format(d),
            FloatRead::Rounded(d) => panic!("{t} rounded to {d}, expected an exact read"),
        };
        // A decimal text is taken as it stands, whatever the currency.
        assert_eq!(exact("0.1", "USD"), "0.10");
        assert_eq!(exact("374852.44067431", "USD"), "374852.44067431");
        assert_eq!(exact("1.5e2", "USD"), "150.00");
        // 0.1 + 0.2 in doubles, and its neighbour below.
        assert_eq!(rounded("0.30000000000000004", "USD"), "0.30");
        assert_eq!(rounded("0.29999999999999999", "USD"), "0.30");
        assert_eq!(rounded("1000.0000000000001", "JPY"), "1000.00");
        assert_eq!(rounded("1.2350000000000001", "BHD"), "1.235");
        // Finer than the minor units but a double's rendering of eight places: those eight.
        assert_eq!(rounded("0.30500000000000004", "USD"), "0.305");
        assert_eq!(rounded("1.2345678900000001", "USDT"), "1.23456789");
        // Really finer than eight places: still an error.
        for (t, c) in [
            ("100.12345678901", "USD"),
            ("0.123456789", "USDT"),
            ("1e-17", "USD"),
        ] {
            let e = parse_float(t, c).unwrap_err();
            assert!(e.contains("not a binary float's rounding"), "{t}: {e}");
        }
        assert!(parse_float("abc", "USD")
            .unwrap_err()
            .contains("is not a decimal amount"));
        assert_eq!(minor_units("JPY"), Some(0));
        assert_eq!(minor_units("BHD"), Some(3));
        assert_eq!(minor_units("USDT"), None);
    }

    #[test]
    fn amounts_for_people_use_minor_units_and_flag_finer_values() {
        let show = |t: &str, c: &str| display(parse(t).unwrap(), c);
        assert_eq!(
            show("120099.54939201", "USD"),
            ("120,099.54939201".into(), true)
        );
        assert_eq!(show("120099.5", "USD"), ("120,099.50".into(), false));
        assert_eq!(show("1500", "JPY"), ("1,500".into(), false));
        assert_eq!(show("1500.5", "JPY"), ("1,500.5".into(), true));
        assert_eq!(show("-1.2", "BHD"), ("-1.200".into(), false));
        assert_eq!(show("999", "USDT"), ("999.00".into(), false));
        assert_eq!(show("0", "EUR"), ("0.00".into(), false));
        assert_eq!(show("1234567.891", "EUR"), ("1,234,567.891".into(), true));
    }
}
