//! A results table computed elsewhere — [`crate::sql`]'s statement run on Spark or DuckDB — made
//! into the engine's result frame, so every report and the summary come from it exactly as from
//! a local run: the rows are ordered, and the match columns and the input columns gathered, by
//! the same code ([`super::columnar::finish`]).
//!
//! The table gives, per row, the input positions (`p_row`, `l_row`: the `input_row` of the
//! exported tables), the category, the key it matched on, the flags and the primaries. They are
//! checked before they are used: positions inside the inputs, no record in two rows, known
//! categories and keys, and, where the table carries `tx_id`, the same tx id as the input row
//! (a table computed from other inputs is refused, never reported).
//!
//! With summary journals or rules configured, which the statement does not express, only its
//! key pairs are taken from it, and the engine runs the passes after them here
//! ([`super::columnar::reconcile_after_keys`]).

use std::path::Path;

use polars::prelude::*;

use super::classify::{Judge, Row, NONE};
use super::matches::{How, Matches};
use super::rules::FLAGS;
use super::side::Cols;
use super::{Category, MatchOptions};
use crate::error::{Error, Result};
use crate::period::epoch_days;

/// The columns of a results table that are read: positions, category, key, the flags of
/// [`FLAGS`], the primaries, and `tx_id` (only to check the inputs).
pub fn result_input_columns() -> Vec<&'static str> {
    let mut c = vec!["p_row", "l_row", "category", "match_key"];
    c.extend(FLAGS.map(|f| f.column()));
    c.extend(["p_primary", "l_primary", "tx_id"]);
    c
}

/// The engine's result frame from a results table (see the module docs). `file` names the table
/// in errors.
pub fn from_results(
    provider: &DataFrame,
    ledger: &DataFrame,
    opts: &MatchOptions,
    results: &DataFrame,
    file: &Path,
) -> Result<DataFrame> {
    let bad = |row: usize, field: &str, message: String| Error::Input {
        what: format!("{}, row {}, `{field}`", file.display(), row + 1),
        message,
        cause: None,
    };
    // Each column cast to the type read and made one chunk, so a row is read in place (no
    // copy of ten million category names).
    let column = |name: &str, dtype: DataType| -> Result<Column> {
        Ok(results
            .column(name)
            .map_err(|_| bad(0, name, "the results table has no such column".into()))?
            .cast(&dtype)?
            .rechunk())
    };
    let (p_rows, l_rows) = (
        column("p_row", DataType::Int64)?,
        column("l_row", DataType::Int64)?,
    );
    let (p_rows, l_rows) = (p_rows.i64()?, l_rows.i64()?);
    let (categories, keys) = (
        column("category", DataType::String)?,
        column("match_key", DataType::String)?,
    );
    let (categories, keys) = (categories.str()?, keys.str()?);
    let flags: Vec<Column> = FLAGS
        .iter()
        .map(|f| column(f.column(), DataType::Boolean))
        .collect::<Result<_>>()?;
    let flags: Vec<&BooleanChunked> = flags
        .iter()
        .map(|c| c.bool())
        .collect::<PolarsResult<_>>()?;
    let (p_prim, l_prim) = (
        column("p_primary", DataType::Boolean)?,
        column("l_primary", DataType::Boolean)?,
    );
    let (p_prim, l_prim) = (p_prim.bool()?, l_prim.bool()?);
    let tx_ids = match results.column("tx_id") {
        Ok(_) => Some(column("tx_id", DataType::String)?),
        Err(_) => None,
    };
    let tx_ids = tx_ids.as_ref().map(|c| c.str()).transpose()?;

    let p = Cols::provider_side(provider)?;
    let l = Cols::ledger_side(ledger)?;
    let mut p_primary = vec![true; provider.height()];
    let mut l_primary = vec![true; ledger.height()];
    let mut p_seen = vec![false; provider.height()];
    let mut l_seen = vec![false; ledger.height()];
    let mut m = Matches::new(provider.height(), ledger.height());
    let mut rows = Vec::with_capacity(results.height());
    let position = |i: usize, v: Option<i64>, len: usize, field: &str| -> Result<Option<u32>> {
        match v {
            None => Ok(None),
            Some(r) if r >= 0 && (r as usize) < len => Ok(Some(r as u32)),
            Some(r) => Err(bad(
                i,
                field,
                format!("{r} is not a row of the input table ({len} rows)"),
            )),
        }
    };
    for i in 0..results.height() {
        let pr = position(i, p_rows.get(i), provider.height(), "p_row")?;
        let lr = position(i, l_rows.get(i), ledger.height(), "l_row")?;
        if pr.is_none() && lr.is_none() {
            return Err(bad(i, "p_row", "neither p_row nor l_row is given".into()));
        }
        for (r, seen, field) in [(pr, &mut p_seen, "p_row"), (lr, &mut l_seen, "l_row")] {
            if let Some(r) = r {
                if std::mem::replace(&mut seen[r as usize], true) {
                    return Err(bad(
                        i,
                        field,
                        format!("input row {r} is in two result rows"),
                    ));
                }
            }
        }
        let category = categories.get(i).and_then(Category::parse).ok_or_else(|| {
            bad(
                i,
                "category",
                format!("{:?} is not a category", categories.get(i)),
            )
        })?;
        let how = match keys.get(i) {
            None => None,
            Some("tx_id") => Some(How::TxId),
            Some("order_id") => Some(How::OrderId),
            Some(other) => {
                return Err(bad(
                    i,
                    "match_key",
                    format!("{other:?} is not tx_id or order_id"),
                ))
            }
        };
        if let Some(tx) = &tx_ids {
            let input = pr
                .and_then(|r| p.tx_id.get(r as usize))
                .or_else(|| lr.and_then(|r| l.tx_id.get(r as usize)));
            if tx.get(i) != input {
                return Err(bad(
                    i,
                    "tx_id",
                    format!(
                        "{:?} differs from the input row's {input:?}: the results were computed from other inputs",
                        tx.get(i)
                    ),
                ));
            }
        }
        if let (Some(pr), Some(lr)) = (pr, lr) {
            let how = how.ok_or_else(|| bad(i, "match_key", "a pair needs its key".into()))?;
            m.pair(pr, lr, how);
        }
        let mut f = [false; 6];
        for (k, column) in flags.iter().enumerate() {
            f[k] = column.get(i).unwrap_or(false);
        }
        let (pp, lp) = (p_prim.get(i).unwrap_or(true), l_prim.get(i).unwrap_or(true));
        if let Some(r) = pr {
            p_primary[r as usize] = pp;
        }
        if let Some(r) = lr {
            l_primary[r as usize] = lp;
        }
        rows.push(Row {
            p: pr,
            l: lr,
            how,
            flags: f,
            p_primary: pr.map(|_| pp),
            l_primary: lr.map(|_| lp),
            category,
            group: NONE,
            candidates: 0,
            rule: None,
            summed: NONE,
        });
    }
    // The summaries and the configured rules are not in the statement (`cardrecon sql` names
    // them): they run here, after the statement's key pairs, over what those left, exactly as
    // in a local run. Stage 6 is not run after a statement, with them or without.
    if !opts.rules.is_empty() || !opts.summaries.is_empty() {
        let keys: Vec<(u32, u32, How)> = rows
            .iter()
            .filter_map(|r| Some((r.p?, r.l?, r.how?)))
            .collect();
        let local = MatchOptions {
            loose: super::Loose::off(),
            decided: Default::default(),
            ..opts.clone()
        };
        return super::columnar::reconcile_after_keys(provider, ledger, &local, &keys);
    }
    let period = (epoch_days(opts.period.first), epoch_days(opts.period.last));
    let judge = Judge::new(&p, &l, &p_primary, &l_primary, opts, period);
    // [fx]: the statement flags a pair in two currencies; here it is compared at the day's rate,
    // as the engine compares it.
    if opts.fx.is_some() {
        for r in rows.iter_mut() {
            let currency = r.flags[super::rules::Flag::Currency.index()];
            if let (Some(pr), Some(lr), true, Some(true), Some(true)) =
                (r.p, r.l, currency, r.p_primary, r.l_primary)
            {
                *r = judge.classify(Some(pr), Some(lr), r.how);
            }
        }
    }
    super::columnar::finish(provider, ledger, rows, &judge, &m, opts.gather)
}
