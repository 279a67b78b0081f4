//! The first engine, a polars lazy plan, kept as the test oracle for [`super::columnar`]: the
//! differential tests require both to give the same result on every generated month.
//! Stages as in [`super`]'s docs.

use polars::prelude::*;
use rust_decimal::Decimal;

use super::{Category, MatchOptions, DEBIT_KINDS, L_COLS, L_KEYS, P_COLS, P_KEYS};
use crate::error::Result;
use crate::money;
use crate::period::epoch_days;

fn dec_lit(d: Decimal) -> Expr {
    lit(Scalar::new_decimal(
        money::to_units(d),
        money::PRECISION,
        money::SCALE as usize,
    ))
}

fn day_between(c: &str, first: i32, last: i32) -> Expr {
    let d = col(c).cast(DataType::Int32);
    d.clone().gt_eq(lit(first)).and(d.lt_eq(lit(last)))
}

fn prefixed(df: &DataFrame, prefix: &str, cols: &[&str], row_name: &str) -> LazyFrame {
    let mut exprs: Vec<Expr> = vec![col(row_name)];
    exprs.extend(cols.iter().map(|c| col(*c).alias(format!("{prefix}{c}"))));
    df.clone()
        .lazy()
        .with_row_index(row_name, None)
        .select(exprs)
}

/// `df`'s rows in the window `[first, last]` of `day`, plus the `carried` rows whatever their
/// day.
fn in_window(
    df: &DataFrame,
    prefix: &str,
    keys: &[&str],
    row_name: &str,
    day: &str,
    (first, last): (i32, i32),
    carried: &[u32],
) -> Result<LazyFrame> {
    if carried.is_empty() {
        return Ok(prefixed(df, prefix, keys, row_name).filter(day_between(day, first, last)));
    }
    let mut mask = vec![false; df.height()];
    for &r in carried {
        if let Some(m) = mask.get_mut(r as usize) {
            *m = true;
        }
    }
    let mut with_mask = df.clone();
    with_mask.with_column(Column::new("_carried".into(), mask))?;
    let mut exprs: Vec<Expr> = vec![col(row_name), col("_carried")];
    exprs.extend(keys.iter().map(|c| col(*c).alias(format!("{prefix}{c}"))));
    Ok(with_mask
        .lazy()
        .with_row_index(row_name, None)
        .select(exprs)
        .filter(day_between(day, first, last).or(col("_carried")))
        .drop(cols(["_carried"])))
}

/// Marks the primary of each group: earliest `time`, then lowest `row`.
fn mark_primary(
    lf: LazyFrame,
    time: &str,
    row: &str,
    group: Vec<Expr>,
    out: &str,
) -> Result<LazyFrame> {
    let first_time = col(time).min().over(group.clone())?;
    let first_row = when(col(time).eq(col("_tmin")))
        .then(col(row))
        .otherwise(lit(NULL).cast(IDX_DTYPE))
        .min()
        .over(group)?;
    Ok(lf
        .with_column(first_time.alias("_tmin"))
        .with_column(first_row.alias("_first"))
        .with_column(col(row).eq(col("_first")).alias(out))
        .drop(cols(["_tmin", "_first"])))
}

/// Joins unmatched primaries on one key, keeping one partner per item (first in input order).
fn pair_on(p: LazyFrame, l: LazyFrame, p_key: &str, l_key: &str) -> LazyFrame {
    p.filter(col(p_key).is_not_null())
        .select([col("p_row"), col("p_provider"), col(p_key)])
        .join(
            l.filter(col(l_key).is_not_null()).select([
                col("l_row"),
                col("l_provider"),
                col(l_key),
            ]),
            [col(p_key)],
            [col(l_key)],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            col("l_provider")
                .is_null()
                .or(col("l_provider").eq(col("p_provider"))),
        )
        .select([col("p_row"), col("l_row")])
        .sort(
            ["p_row", "l_row"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .unique_stable_generic(Some(vec![col("l_row")]), UniqueKeepStrategy::First)
        .unique_stable_generic(Some(vec![col("p_row")]), UniqueKeepStrategy::First)
}

fn without(lf: LazyFrame, matched: &DataFrame, row: &str) -> LazyFrame {
    let m = matched
        .clone()
        .lazy()
        .select([col(row), lit(true).alias("_m")]);
    lf.join(m, [col(row)], [col(row)], JoinArgs::new(JoinType::Left))
        .filter(col("_m").is_null())
        .drop(cols(["_m"]))
}

/// The oracle: reconciles `provider_records` against `ledger_entries`. The result has one row per pair or
/// unmatched item, sorted by provider, time and id, with the columns `category`, `match_key`,
/// the difference flags (`status_diff`, `currency_diff`, `amount_diff`, `sign_diff`,
/// `fee_diff`, `timing`), `p_row`/`l_row` (input positions), and every input column prefixed
/// `p_` or `l_`.
pub fn reconcile(
    provider: &DataFrame,
    ledger: &DataFrame,
    opts: &MatchOptions,
) -> Result<DataFrame> {
    if !(opts.amount_tolerance.is_plain()
        && opts.fee_tolerance.is_plain()
        && opts.loose == super::Loose::off()
        && opts.decided == super::Decided::default())
    {
        return Err(PolarsError::InvalidOperation(
            "the oracle engine computes stages 1-5 with absolute tolerances only".into(),
        )
        .into());
    }
    let window = opts.period.with_margin(opts.margin_days);
    let (wf, wl) = (epoch_days(window.first), epoch_days(window.last));
    let (pf, pl) = (epoch_days(opts.period.first), epoch_days(opts.period.last));

    // Stage 1: window and primaries.
    let p = in_window(
        provider,
        "p_",
        &P_KEYS,
        "p_row",
        "p_accounting_day",
        (wf, wl),
        &opts.carried.0,
    )?;
    let p = mark_primary(
        p,
        "p_occurred_at",
        "p_row",
        vec![col("p_provider"), col("p_tx_id")],
        "p_primary",
    )?;
    let l = in_window(
        ledger,
        "l_",
        &L_KEYS,
        "l_row",
        "l_accounting_day",
        (wf, wl),
        &opts.carried.1,
    )?
    .with_column(
        coalesce(&[
            concat_str([lit("t:"), col("l_tx_id")], "", false),
            concat_str([lit("o:"), col("l_order_id")], "", false),
            concat_str([lit("e:"), col("l_entry_id")], "", false),
        ])
        .alias("_lkey"),
    );
    let l = mark_primary(
        l,
        "l_booked_at",
        "l_row",
        vec![col("l_provider").fill_null(lit("")), col("_lkey")],
        "l_primary",
    )?
    .drop(cols(["_lkey"]));
    let p = p.collect()?;
    let l = l.collect()?;

    // Stage 2: key match, tx id first, then order id.
    let pp = p.clone().lazy().filter(col("p_primary"));
    let lp = l.clone().lazy().filter(col("l_primary"));
    let by_tx = pair_on(pp.clone(), lp.clone(), "p_tx_id", "l_tx_id")
        .with_column(lit("tx_id").alias("match_key"))
        .collect()?;
    let by_order = pair_on(
        without(pp, &by_tx, "p_row"),
        without(lp, &by_tx, "l_row"),
        "p_order_id",
        "l_order_id",
    )
    .with_column(lit("order_id").alias("match_key"))
    .collect()?;
    let mut pairs = by_tx;
    pairs.vstack_mut(&by_order)?;

    // Stages 3-5: one row per pair or unmatched item, compared and classified.
    let has_p = col("p_row").is_not_null();
    let has_l = col("l_entry_id").is_not_null();
    let paired = has_p.clone().and(has_l.clone());
    let p_in = day_between("p_accounting_day", pf, pl).fill_null(lit(false));
    let l_in = day_between("l_accounting_day", pf, pl).fill_null(lit(false));
    let zero = dec_lit(Decimal::ZERO);
    let l_abs = col("l_amount").abs();
    let money_type = DataType::Decimal(money::PRECISION, money::SCALE as usize);
    let debit = DEBIT_KINDS
        .iter()
        .fold(lit(false), |acc, k| acc.or(col("p_kind").eq(lit(*k))));
    let sign_diff = if opts.signed_ledger {
        paired
            .clone()
            .and(col("l_amount").lt(zero.clone()).neq(debit))
            .and(col("l_amount").neq(zero.clone()))
    } else {
        lit(false)
    };
    let all = p
        .lazy()
        .join(
            pairs.lazy(),
            [col("p_row")],
            [col("p_row")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            l.lazy(),
            [col("l_row")],
            [col("l_row")],
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        )
        .filter(p_in.clone().or(l_in.clone()))
        .with_columns([
            paired
                .clone()
                .and(col("p_status").neq(col("l_status")))
                .alias("status_diff"),
            paired
                .clone()
                .and(col("p_currency").neq(col("l_currency")))
                .alias("currency_diff"),
            paired
                .clone()
                .and(
                    (col("p_amount") - l_abs.clone())
                        .abs()
                        .gt(dec_lit(opts.amount_tolerance.absolute)),
                )
                .alias("amount_diff"),
            sign_diff.alias("sign_diff"),
            paired
                .clone()
                .and(col("l_fee").is_not_null())
                .and(
                    (col("p_fee").fill_null(zero.clone()) - col("l_fee"))
                        .abs()
                        .gt(dec_lit(opts.fee_tolerance.absolute)),
                )
                .alias("fee_diff"),
            paired.clone().and(p_in.neq(l_in)).alias("timing"),
            // The tolerance a difference was judged by, when there was one and it allows any.
            when(
                paired
                    .clone()
                    .and(col("p_amount").neq(l_abs.clone()))
                    .and(lit(!opts.amount_tolerance.is_zero())),
            )
            .then(dec_lit(opts.amount_tolerance.absolute))
            .otherwise(lit(NULL).cast(money_type.clone()))
            .alias("amount_tolerance"),
            when(
                paired
                    .clone()
                    .and(col("l_fee").is_not_null())
                    .and(col("p_fee").fill_null(zero.clone()).neq(col("l_fee")))
                    .and(lit(!opts.fee_tolerance.is_zero())),
            )
            .then(dec_lit(opts.fee_tolerance.absolute))
            .otherwise(lit(NULL).cast(money_type))
            .alias("fee_tolerance"),
        ])
        .with_column(
            when(has_p.clone().and(col("p_primary").not()))
                .then(lit(Category::DuplicateAtProvider.as_str()))
                .when(has_l.clone().and(col("l_primary").not()))
                .then(lit(Category::DuplicateInLedger.as_str()))
                .when(col("status_diff"))
                .then(lit(Category::StatusMismatch.as_str()))
                .when(col("currency_diff"))
                .then(lit(Category::CurrencyMismatch.as_str()))
                .when(col("amount_diff").or(col("sign_diff")))
                .then(lit(Category::AmountMismatch.as_str()))
                .when(col("fee_diff"))
                .then(lit(Category::FeeMismatch.as_str()))
                .when(col("timing"))
                .then(lit(Category::TimingDifference.as_str()))
                .when(paired)
                .then(lit(Category::Matched.as_str()))
                .when(
                    has_p.clone().and(
                        col("p_status")
                            .eq(lit("failed"))
                            .or(col("p_status").eq(lit("reversed"))),
                    ),
                )
                .then(lit(Category::FailedNotBooked.as_str()))
                .when(has_p.clone().and(col("p_status").eq(lit("pending"))))
                .then(lit(Category::PendingNotBooked.as_str()))
                .when(has_p)
                .then(lit(Category::MissingInLedger.as_str()))
                .otherwise(lit(Category::MissingAtProvider.as_str()))
                .alias("category"),
        )
        .with_columns([
            coalesce(&[col("p_provider"), col("l_provider")]).alias("_sort_provider"),
            coalesce(&[col("p_occurred_at"), col("l_booked_at")]).alias("_sort_time"),
            coalesce(&[col("p_tx_id"), col("l_tx_id"), col("l_order_id")]).alias("_sort_id"),
        ])
        .sort(
            [
                "_sort_provider",
                "_sort_time",
                "_sort_id",
                "l_entry_id",
                "p_row",
                "l_row",
            ],
            SortMultipleOptions::default()
                .with_maintain_order(true)
                .with_nulls_last(true),
        )
        .drop(cols(["_sort_provider", "_sort_time", "_sort_id"]))
        .collect()?;
    // The columns only the reports read, by row index (a missing side gives nulls).
    let p_extra = gather(provider, &P_COLS, &P_KEYS, "p_", all.column("p_row")?)?;
    let l_extra = gather(ledger, &L_COLS, &L_KEYS, "l_", all.column("l_row")?)?;
    // (Columns are found by name downstream; their order here is fixed but not part of the
    // contract.)
    let all = all.hstack(p_extra.columns())?.hstack(l_extra.columns())?;
    // Every pair's id, as the engine gives it.
    let (pp, lp, tx, entry) = (
        all.column("p_provider")?.str()?,
        all.column("l_provider")?.str()?,
        all.column("p_tx_id")?.str()?,
        all.column("l_entry_id")?.str()?,
    );
    let (p_row, l_row) = (all.column("p_row")?.idx()?, all.column("l_row")?.idx()?);
    let ids: Vec<Option<String>> = (0..all.height())
        .map(|i| {
            (p_row.get(i).is_some() && l_row.get(i).is_some())
                .then(|| super::match_id(&[pp.get(i).or(lp.get(i)), tx.get(i), entry.get(i)]))
        })
        .collect();
    Ok(all.hstack(&[Column::new("match_id".into(), ids)])?)
}

/// The columns of `from` in `all` but not in `keys`, prefixed, at the rows `rows` (nullable).
fn gather(
    from: &DataFrame,
    all: &[&str],
    keys: &[&str],
    prefix: &str,
    rows: &Column,
) -> Result<DataFrame> {
    let wanted: Vec<&str> = all.iter().copied().filter(|c| !keys.contains(c)).collect();
    let mut out = from.select(wanted)?.take(rows.idx()?)?;
    for name in out.get_column_names_owned() {
        out.rename(&name, format!("{prefix}{name}").into())?;
    }
    Ok(out)
}
