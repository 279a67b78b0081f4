//! The classification of stages 1-5 as one SQL statement, for Spark or DuckDB, over the tables
//! `export` writes (`crate::export`): the way past one machine's memory. A distributed engine
//! runs the heavy part (windows, primaries, the key joins, the flags); cardrecon keeps what only
//! it does, and `report --results` turns the statement's results table into the usual outputs.
//!
//! **One set of rules.** The flags, their precedence, the categories of an item left alone and
//! the debit kinds come from [`crate::matching::rules`], which the engine reads too; the
//! tolerances are the configuration's, rendered by [`within`]. What the statement repeats of the
//! engine's algorithm is its tie rules (see `matching::columnar`):
//! - a duplicate group's primary is its earliest item (a missing time never wins), then the
//!   first by `input_row`; the provider's groups are `(provider, tx_id)`, the ledger's
//!   `(provider or "", tx_id, else order_id, else entry_id)`;
//! - on each key (tx id, then order id for what is left) the first candidate pair of each
//!   ledger row in provider-row order is kept, then the first of those of each provider row;
//! - a ledger entry without a provider may pair with any provider's record.
//!
//! A test runs the statement on DuckDB and compares every row with the engine's
//! (`tests/sql.rs`), so the two cannot drift apart unnoticed.
//!
//! **Why the result is independent of the partitioning.** Every window function partitions by a
//! key that includes the provider (or, for a ledger entry without one, a constant) and orders by
//! `input_row` last, a total order; every join is an equi-join on a key; the tie rules are
//! `min` aggregates. None depends on which executor holds which rows, so Spark on N executors
//! gives the rows DuckDB gives on one machine.
//!
//! A store's earlier open items are in the exported tables (`carried`) and take part whatever
//! their day, as margin items do; what a pair with one means is decided by `report --results`
//! from the store, as after a local run. Not expressed: stage 6 (groups and suggestions, whose
//! search is sequential by nature). `match_id` (XXH3, which neither engine has) and `detail` (words) are
//! added by `report --results`, from the rules here.

use std::fmt::Write;

use crate::error::{Error, Result};
use crate::matching::rules::{self, Flag, BY_FLAGS, DEBIT_KINDS, UNMATCHED_PROVIDER};
use crate::matching::Category;
use crate::period::Period;
use crate::tolerance::Tolerance;

/// The SQL dialect a statement is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Spark,
    Duckdb,
}

/// Where the statement reads the two tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Tables (or views) of these names: `provider_records`, `ledger_entries` by default.
    Tables { provider: String, ledger: String },
    /// The directory `export` wrote, read in place.
    Export(String),
}

impl Default for Source {
    fn default() -> Source {
        Source::Tables {
            provider: "provider_records".into(),
            ledger: "ledger_entries".into(),
        }
    }
}

/// What the statement is made from: the period and the configuration's rules.
#[derive(Debug, Clone)]
pub struct SqlOptions {
    pub period: Period,
    pub margin_days: u32,
    pub amount_tolerance: Tolerance,
    pub fee_tolerance: Tolerance,
    pub signed_ledger: bool,
    pub source: Source,
}

/// A string literal: quotes doubled.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A table or view name: letters, digits, `_` and `.` only (it is not quoted).
fn table_name(s: &str) -> Result<&str> {
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if ok {
        Ok(s)
    } else {
        Err(Error::Input {
            what: format!("the table name {s:?}"),
            message: "may hold only letters, digits, '_' and '.'".into(),
            cause: None,
        })
    }
}

fn date(d: chrono::NaiveDate) -> String {
    format!("DATE '{}'", d.format("%Y-%m-%d"))
}

fn category(c: Category) -> String {
    lit(c.as_str())
}

/// `|difference| within the tolerance for provider (in currency)`, exactly as
/// [`crate::tolerance::Units::allows`]: `|d| ≤ absolute(currency) + relative × |provider|`.
pub fn within(difference: &str, provider: &str, currency: &str, t: &Tolerance) -> String {
    let absolute = if t.currency.is_empty() {
        t.absolute.normalize().to_string()
    } else {
        let mut s = format!("CASE {currency}");
        for (c, v) in &t.currency {
            let _ = write!(s, " WHEN {} THEN {}", lit(c), v.normalize());
        }
        let _ = write!(s, " ELSE {} END", t.absolute.normalize());
        s
    };
    if t.relative.is_zero() {
        format!("abs({difference}) <= {absolute}")
    } else {
        format!(
            "abs({difference}) <= {absolute} + {} * abs({provider})",
            t.relative.normalize()
        )
    }
}

/// The type amounts are compared in: exactly as many digits as an amount can have
/// ([`crate::money::MAX_INTEGER_DIGITS`] before the point, [`crate::money::SCALE`] after). Not
/// the tables' `DECIMAL(38, 8)`: Spark gives the difference of two of those 39 digits, more
/// than it holds, and drops the eighth decimal to fit (found by `bench/spark_check.sh`: 84 of
/// 20,000 amounts off by 10⁻⁸ were matched). With 28 digits the difference, the tolerance
/// and the relative part all fit exactly, in Spark and DuckDB alike.
fn money_type() -> String {
    format!(
        "DECIMAL({}, {})",
        crate::money::MAX_INTEGER_DIGITS + crate::money::SCALE as usize,
        crate::money::SCALE
    )
}

/// The statement: one `WITH … SELECT` whose rows are the results: the engine's decisions
/// (`p_row`, `l_row`, `category`, `match_key`, the flags, the primaries: what `report
/// --results` reads, `crate::matching::result_input_columns`), then the result columns a person
/// reads, as in `results.csv` (`crate::report::RESULT_COLUMNS`) without `detail` and `match_id`.
pub fn statement(o: &SqlOptions, dialect: Dialect) -> Result<String> {
    let (p_src, l_src) = match &o.source {
        Source::Tables { provider, ledger } => (
            table_name(provider)?.to_string(),
            table_name(ledger)?.to_string(),
        ),
        Source::Export(dir) => {
            let dir = dir.trim_end_matches('/');
            match dialect {
                // The files hold every column; their directories' values are the same.
                Dialect::Duckdb => (
                    format!(
                        "read_parquet({}, hive_partitioning = false)",
                        lit(&format!("{dir}/provider_records/**/*.parquet"))
                    ),
                    format!(
                        "read_parquet({}, hive_partitioning = false)",
                        lit(&format!("{dir}/ledger_entries/**/*.parquet"))
                    ),
                ),
                Dialect::Spark => (
                    format!("parquet.`{dir}/provider_records`"),
                    format!("parquet.`{dir}/ledger_entries`"),
                ),
            }
        }
    };
    let window = o.period.with_margin(o.margin_days);
    let (wf, wl) = (date(window.first), date(window.last));
    let (pf, pl) = (date(o.period.first), date(o.period.last));
    let debit = DEBIT_KINDS.map(lit).join(", ");
    let amount_ok = within(
        "p_amount - abs(l_amount)",
        "p_amount",
        "p_currency",
        &o.amount_tolerance,
    );
    let fee_ok = within(
        "coalesce(p_fee, 0) - l_fee",
        "coalesce(p_fee, 0)",
        "p_currency",
        &o.fee_tolerance,
    );
    let flag = |f: Flag| -> String {
        let e = match f {
            Flag::Status => "coalesce(p_status <> l_status, false)".to_string(),
            Flag::Currency => "coalesce(p_currency <> l_currency, false)".to_string(),
            Flag::Amount => format!(
                "p_amount IS NOT NULL AND l_amount IS NOT NULL AND NOT ({amount_ok})"
            ),
            Flag::Sign if o.signed_ledger => format!(
                "coalesce(l_amount <> 0 AND (l_amount < 0) <> coalesce(p_kind IN ({debit}), false), false)"
            ),
            Flag::Sign => "false".to_string(),
            Flag::Fee => format!("l_fee IS NOT NULL AND NOT ({fee_ok})"),
            Flag::Timing => "p_in <> l_in".to_string(),
        };
        format!("    (has_p AND has_l) AND ({e}) AS {}", f.column())
    };
    let flags = rules::FLAGS
        .iter()
        .map(|&f| flag(f))
        .collect::<Vec<_>>()
        .join(",\n");
    let mut case = String::from("  CASE\n");
    let _ = writeln!(
        case,
        "    WHEN has_p AND NOT p_primary THEN {}",
        category(Category::DuplicateAtProvider)
    );
    let _ = writeln!(
        case,
        "    WHEN has_l AND NOT l_primary THEN {}",
        category(Category::DuplicateInLedger)
    );
    for (fs, c) in BY_FLAGS {
        let any = fs
            .iter()
            .map(|f| f.column())
            .collect::<Vec<_>>()
            .join(" OR ");
        let _ = writeln!(case, "    WHEN {any} THEN {}", category(c));
    }
    let _ = writeln!(
        case,
        "    WHEN has_p AND has_l THEN {}",
        category(Category::Matched)
    );
    for (statuses, c) in UNMATCHED_PROVIDER {
        let list = statuses
            .iter()
            .map(|s| lit(s))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            case,
            "    WHEN has_p AND p_status IN ({list}) THEN {}",
            category(c)
        );
    }
    let _ = writeln!(
        case,
        "    WHEN has_p THEN {}",
        category(rules::UNMATCHED_PROVIDER_ELSE)
    );
    let _ = write!(
        case,
        "    ELSE {}\n  END",
        category(rules::UNMATCHED_LEDGER)
    );
    let key = |name: &str, pairs: &str, exclude: &str| -> String {
        format!(
            "{name}_cand AS (
  SELECT p.p_row, l.l_row FROM pm p JOIN lm l ON p.{name} = l.{name}
  {exclude}WHERE p.p_primary AND l.l_primary AND (l.provider IS NULL OR l.provider = p.provider){pairs}
),
{name}_first AS (SELECT l_row, min(p_row) AS p_row FROM {name}_cand GROUP BY l_row),
{name}_pairs AS (SELECT p_row, min(l_row) AS l_row FROM {name}_first GROUP BY p_row)"
        )
    };
    let tx = key("tx_id", "", "");
    let order = key(
        "order_id",
        "\n    AND tp.p_row IS NULL AND tl.l_row IS NULL",
        "LEFT JOIN tx_id_pairs tp ON tp.p_row = p.p_row\n  LEFT JOIN tx_id_pairs tl ON tl.l_row = l.l_row\n  ",
    );
    let header = format!(
        "-- cardrecon: stages 1-5 of the classification ({}), period {} to {} with {} margin days.\n\
         -- Amount tolerance: {}; fee tolerance: {}; ledger amounts {}.\n\
         -- Groups and suggestions (stage 6) are not expressed; `cardrecon report --results` runs without them.\n\
         -- Generated from cardrecon's rules (src/matching/rules.rs); do not edit by hand.\n",
        match dialect {
            Dialect::Spark => "Spark SQL",
            Dialect::Duckdb => "DuckDB",
        },
        o.period.first,
        o.period.last,
        o.margin_days,
        o.amount_tolerance.describe(),
        o.fee_tolerance.describe(),
        if o.signed_ledger { "signed" } else { "unsigned" },
    );
    Ok(format!(
        "{header}WITH
pm AS (
  SELECT input_row AS p_row, *,
    input_row = first_value(input_row) OVER (
      PARTITION BY provider, tx_id ORDER BY occurred_at ASC NULLS LAST, input_row
    ) AS p_primary
  FROM {p_src}
  WHERE accounting_day BETWEEN {wf} AND {wl} OR carried
),
lm AS (
  SELECT input_row AS l_row, *,
    input_row = first_value(input_row) OVER (
      PARTITION BY coalesce(provider, ''),
        coalesce('t:' || tx_id, 'o:' || order_id, 'e:' || entry_id)
      ORDER BY booked_at ASC NULLS LAST, input_row
    ) AS l_primary
  FROM {l_src}
  WHERE accounting_day BETWEEN {wf} AND {wl} OR carried
),
{tx},
{order},
pairs AS (
  SELECT p_row, l_row, {tx_key} AS match_key FROM tx_id_pairs
  UNION ALL SELECT p_row, l_row, {order_key} AS match_key FROM order_id_pairs
),
joined AS (
  SELECT
    pm.p_row, pm.p_primary, pm.provider AS p_provider, pm.kind AS p_kind, pm.tx_id AS p_tx_id,
    pm.order_id AS p_order_id, CAST(pm.amount AS {money}) AS p_amount,
    pm.currency AS p_currency, CAST(pm.fee AS {money}) AS p_fee, pm.status AS p_status,
    pm.occurred_at AS p_time,
    pm.accounting_day AS p_day, pm.card_masked AS p_card, pairs.match_key,
    lm.l_row, lm.l_primary, lm.entry_id AS l_entry_id, lm.provider AS l_provider,
    lm.kind AS l_kind, lm.tx_id AS l_tx_id, lm.order_id AS l_order_id,
    CAST(lm.amount AS {money}) AS l_amount, lm.currency AS l_currency,
    CAST(lm.fee AS {money}) AS l_fee,
    lm.status AS l_status, lm.booked_at AS l_time, lm.accounting_day AS l_day
  FROM pm
  LEFT JOIN pairs ON pm.p_row = pairs.p_row
  FULL JOIN lm ON pairs.l_row = lm.l_row
),
sides AS (
  SELECT *,
    p_row IS NOT NULL AS has_p,
    l_row IS NOT NULL AS has_l,
    coalesce(p_day BETWEEN {pf} AND {pl}, false) AS p_in,
    coalesce(l_day BETWEEN {pf} AND {pl}, false) AS l_in
  FROM joined
),
flagged AS (
  SELECT *,
{flags}
  FROM sides
  WHERE p_in OR l_in
)
SELECT
  p_row, l_row,
{case} AS category,
  match_key, status_diff, currency_diff, amount_diff, sign_diff, fee_diff, timing,
  CASE WHEN has_p THEN p_primary END AS p_primary,
  CASE WHEN has_l THEN l_primary END AS l_primary,
  coalesce(p_provider, l_provider) AS provider,
  coalesce(p_kind, l_kind) AS kind,
  coalesce(p_tx_id, l_tx_id) AS tx_id,
  coalesce(p_order_id, l_order_id) AS order_id,
  l_entry_id AS ledger_entry_id,
  p_amount AS provider_amount,
  l_amount AS ledger_amount,
  p_amount - abs(l_amount) AS amount_difference,
  coalesce(p_currency, l_currency) AS currency,
  l_currency AS ledger_currency,
  p_status AS provider_status,
  l_status AS ledger_status,
  p_time AS provider_time,
  l_time AS ledger_time,
  p_day AS provider_day,
  l_day AS ledger_day,
  p_card AS card
FROM flagged
",
        tx_key = lit("tx_id"),
        money = money_type(),
        order_key = lit("order_id"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn tolerances_render_as_the_rule() {
        let mut t = Tolerance::absolute(Decimal::new(1, 2));
        assert_eq!(within("d", "p", "c", &t), "abs(d) <= 0.01");
        t.currency.insert("JPY".into(), Decimal::ONE);
        t.relative = Decimal::new(1, 3);
        assert_eq!(
            within("d", "p", "c", &t),
            "abs(d) <= CASE c WHEN 'JPY' THEN 1 ELSE 0.01 END + 0.001 * abs(p)"
        );
    }

    #[test]
    fn the_statement_follows_the_rules_and_refuses_odd_table_names() {
        let o = SqlOptions {
            period: Period::parse("2026-03").unwrap(),
            margin_days: 3,
            amount_tolerance: Tolerance::default(),
            fee_tolerance: Tolerance::default(),
            signed_ledger: false,
            source: Source::default(),
        };
        let s = statement(&o, Dialect::Duckdb).unwrap();
        assert!(s.contains(
            "WHERE accounting_day BETWEEN DATE '2026-02-26' AND DATE '2026-04-03' OR carried"
        ));
        assert!(s.contains(
            "WHEN has_p AND p_status IN ('failed', 'reversed') THEN 'failed_not_booked'"
        ));
        assert!(s.contains("WHEN amount_diff OR sign_diff THEN 'amount_mismatch'"));
        assert!(s.contains("(has_p AND has_l) AND (false) AS sign_diff"));
        let bad = SqlOptions {
            source: Source::Tables {
                provider: "x; DROP TABLE y".into(),
                ledger: "l".into(),
            },
            ..o
        };
        assert!(statement(&bad, Dialect::Spark).is_err());
    }
}
