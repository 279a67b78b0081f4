//! The team's own matching rules (`[[matching.rules]]`): ordered passes, after the tx-id and
//! order-id passes and before the built-in suggestions, that pair what is left on fields that
//! must agree when the ledger carries no provider id (a ledger booked from card statements:
//! card, amount, day, merchant).
//!
//! A rule pairs a provider record and a ledger entry only when each is the other's *only*
//! candidate under it: a coincidence of two equal amounts on one card and day is left unmatched,
//! and its detail says how many candidates it had and under which rule. This is what Oracle
//! ARCS and BlackLine match rules and Simetrik's sweeps do: a rule is trusted because it is
//! unambiguous, not because it is loose.
//!
//! **Why hashed and sorted.** The fields that must agree exactly (card, currency, and the day
//! when the window is zero) are hashed into one key, and each key's entries are sorted by amount:
//! a provider record looks only at the entries under its key within its tolerance's reach of
//! its amount, so a pass is a hash and a binary search per record, never every record against
//! every entry (a first version put only card and currency in the key and took 160 s at 10^6
//! records: 25,000 entries a bucket). The day window and the merchant are checked on what is
//! left.
//!
//! Only provider records that should have been booked take part (not failed, reversed or
//! pending ones), only primaries on both sides, and only rows still free.

use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashMap;
use rust_decimal::Decimal;

use super::fx::Fx;
use super::matches::{How, Matches};
use super::side::Side;
use super::suggest::to_be_booked;
use crate::tolerance::Units;

/// One rule, as the configuration states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchRule {
    pub name: String,
    /// The fields that must agree.
    pub on: Fields,
    /// `|provider day − ledger day| ≤ day_window`.
    pub day_window: u32,
    /// The amounts may differ by this much; `None`: the `[tolerance]` in force.
    pub amount_tolerance: Option<Decimal>,
    /// Only these provider instances (empty: all).
    pub providers: Vec<String>,
    /// Only provider records of these kinds (empty: all).
    pub kinds: Vec<String>,
    pub action: Action,
}

impl MatchRule {
    /// Whether a record of this provider and kind is in the rule's scope (an empty list is
    /// every one).
    fn covers(&self, provider: Option<&str>, kind: Option<&str>) -> bool {
        let within = |list: &[String], v: Option<&str>| {
            list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
        };
        within(&self.providers, provider) && within(&self.kinds, kind)
    }
}

/// What must agree between a record and an entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fields {
    /// The card's last four digits (the record's masked number, the entry's `card`).
    pub card: bool,
    pub currency: bool,
    pub amount: bool,
    /// The entry's description contains the record's merchant (its description), any case.
    pub merchant: bool,
}

impl Fields {
    /// The names `match_on` accepts.
    pub const NAMES: [&'static str; 4] = [
        "card",
        "currency",
        "amount",
        "description_contains_merchant",
    ];

    /// `match_on`'s list; `Err` names the first unknown field.
    pub fn parse(names: &[String]) -> Result<Fields, String> {
        let mut f = Fields::default();
        for n in names {
            match n.trim() {
                "card" => f.card = true,
                "currency" => f.currency = true,
                "amount" => f.amount = true,
                "description_contains_merchant" => f.merchant = true,
                other => {
                    return Err(format!(
                        "`{other}` is not a field a rule matches on ({})",
                        Fields::NAMES.join(", ")
                    ))
                }
            }
        }
        Ok(f)
    }
}

/// What a rule does with a unique pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A match, classified as any pair is (status, fee, timing).
    Match,
    /// A `suggested_match`, for a person to confirm.
    Suggest,
}

/// How each rule did, for `summary.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleCount {
    pub name: String,
    /// Pairs it made (matched or suggested, as its action says).
    pub paired: u64,
    /// Provider records it left unmatched because a candidate was not unique both ways.
    pub ambiguous: u64,
}

/// How two amounts agree: the `[tolerance]` in force, and `[fx]`'s rates where the currencies
/// differ.
#[derive(Clone, Copy)]
pub(super) struct Amounts<'a> {
    pub(super) tolerance: &'a Units<'a>,
    pub(super) fx: Option<&'a Fx>,
}

/// Runs `rules` in order over the free primaries `pp` and `lp`; each rule sees what the rules
/// before it left.
pub(super) fn run(
    rules: &[MatchRule],
    ps: &Side<'_>,
    ls: &Side<'_>,
    pp: &[u32],
    lp: &[u32],
    amounts: Amounts<'_>,
    m: &mut Matches,
) -> Vec<RuleCount> {
    rules
        .iter()
        .enumerate()
        .map(|(k, rule)| pass(k as u16, rule, ps, ls, pp, lp, amounts, m))
        .collect()
}

/// The last four digits of a card as a side holds it.
fn card4(card: Option<&str>) -> Option<[u8; 4]> {
    crate::model::last_four_digits(card?)
}

/// Where a record is looked for: a ledger currency and the amount in it (converted at the day's
/// rate, with the exact conversion, when it is not the record's own).
struct Target<'f> {
    currency: Option<&'f str>,
    amount: Option<i128>,
    converted: Option<(&'f Fx, Decimal)>,
}

/// One rule's pass.
#[allow(clippy::too_many_arguments)]
fn pass(
    k: u16,
    rule: &MatchRule,
    ps: &Side<'_>,
    ls: &Side<'_>,
    pp: &[u32],
    lp: &[u32],
    amounts: Amounts<'_>,
    m: &mut Matches,
) -> RuleCount {
    let Amounts { tolerance, fx } = amounts;
    let (p, l) = (&ps.c, &ls.c);
    let on = rule.on;
    // The fields that must agree exactly are the bucket's key: the card, the currency, and the
    // day when the window is zero. Within a bucket the entries are sorted by amount, so a record
    // looks only at the entries within its tolerance's reach of its amount.
    let state = hashbrown::DefaultHashBuilder::default();
    let same_day = rule.day_window == 0;
    // A bucket's amounts are in one currency whenever amounts are compared: a rule without
    // `currency` compares another currency's entries only through `[fx]`, never as numbers.
    let by_currency = on.currency || on.amount;
    let key = |card: Option<[u8; 4]>, currency: Option<&str>, day: Option<i32>| -> u64 {
        let mut h = state.build_hasher();
        if on.card {
            card.hash(&mut h);
        }
        if by_currency {
            currency.hash(&mut h);
        }
        if same_day {
            day.hash(&mut h);
        }
        h.finish()
    };
    let tol_units = rule
        .amount_tolerance
        .map(|t| crate::money::to_units(t.abs()));
    let reach = |currency: Option<&str>, a: i128| -> i128 {
        match tol_units {
            Some(t) => t,
            None => tolerance.reach(currency, a),
        }
    };
    let amounts_agree = |currency: Option<&str>, a: i128, b: i128| -> bool {
        let d = a - b.abs();
        match tol_units {
            Some(t) => d.abs() <= t,
            None => tolerance.allows(currency, a, d),
        }
    };
    let l_card = l.card.as_ref();
    let l_description = l.description.as_ref();
    // The free ledger primaries by key, each bucket sorted by |amount| (all 0 when the rule
    // does not match on the amount).
    let mut buckets: HashMap<u64, Vec<(i128, u32)>> = HashMap::new();
    let mut currencies: Vec<&str> = Vec::new();
    for &lr in lp {
        let j = lr as usize;
        if !m.l_free(lr) {
            continue;
        }
        let card = l_card.and_then(|c| card4(c.get(j)));
        if on.card && card.is_none() {
            continue;
        }
        let amount = if on.amount {
            match l.amount.get(j) {
                Some(a) => a.abs(),
                None => continue,
            }
        } else {
            0
        };
        if let Some(c) = l.currency.get(j) {
            if !currencies.contains(&c) {
                currencies.push(c);
            }
        }
        buckets
            .entry(key(card, l.currency.get(j), l.day.get(j)))
            .or_default()
            .push((amount, lr));
    }
    // Without `currency` in `match_on`, a record is also looked for in the ledger's other
    // currencies, at the day's rate, when `[fx]` gives one.
    let across = if on.amount && !on.currency { fx } else { None };
    for v in buckets.values_mut() {
        v.sort_unstable();
    }
    let mut found: Vec<(u32, u32, u32)> = Vec::new(); // (provider row, candidates, the one)
    let mut back: HashMap<u32, u32> = HashMap::new();
    for &pr in pp {
        let i = pr as usize;
        if !m.p_free(pr)
            || !to_be_booked(p.status.get(i))
            || !rule.covers(p.provider.get(i), p.kind.get(i))
        {
            continue;
        }
        let card = card4(p.card.as_ref().and_then(|c| c.get(i)));
        if on.card && card.is_none() {
            continue;
        }
        let (currency, day) = (p.currency.get(i), p.day.get(i));
        let merchant = p
            .description
            .as_ref()
            .and_then(|d| d.get(i))
            .map(str::to_lowercase)
            .filter(|d| !d.trim().is_empty());
        // Where to look: the record's own currency (within the tolerance), and with `[fx]` each
        // other ledger currency at the converted amount (within the relative tolerance).
        let mut targets: Vec<Target<'_>> = vec![Target {
            currency,
            amount: p.amount.get(i),
            converted: None,
        }];
        if let (Some(fx), Some(pc), Some(d), Some(a)) = (across, currency, day, p.amount.get(i)) {
            for &t in currencies.iter().filter(|&&t| t != pc) {
                if let Some(c) = fx.convert(pc, t, d, crate::money::from_units(a)) {
                    targets.push(Target {
                        currency: Some(t),
                        amount: Some(crate::money::to_units(
                            c.amount.round_dp(crate::money::SCALE),
                        )),
                        converted: Some((fx, c.amount)),
                    });
                }
            }
        }
        let (mut n, mut one) = (0u32, u32::MAX);
        for target in &targets {
            let Some(bucket) = buckets.get(&key(card, target.currency, day)) else {
                continue;
            };
            // The stretch of the bucket within reach of the amount (the whole bucket without one).
            let stretch: &[(i128, u32)] = match (on.amount, target.amount) {
                (true, Some(a)) => {
                    let r = match target.converted {
                        Some((fx, c)) => {
                            crate::money::to_units((fx.tolerance_relative * c).abs()) + 1
                        }
                        None => reach(currency, a),
                    };
                    let from = bucket.partition_point(|&(x, _)| x < a.saturating_sub(r));
                    let to = bucket.partition_point(|&(x, _)| x <= a.saturating_add(r));
                    &bucket[from..to.max(from)]
                }
                (true, None) => continue,
                (false, _) => bucket,
            };
            for &(_, lr) in stretch {
                let j = lr as usize;
                let near = match (day, l.day.get(j)) {
                    (Some(a), Some(b)) => (a - b).unsigned_abs() <= rule.day_window,
                    _ => false,
                };
                let amount_agrees = !on.amount
                    || match (target.converted, p.amount.get(i), l.amount.get(j)) {
                        (Some((fx, c)), _, Some(b)) => fx.agrees(c, crate::money::from_units(b)),
                        (None, Some(a), Some(b)) => amounts_agree(currency, a, b),
                        _ => false,
                    };
                let agrees = near
                    && (!on.currency || currency == l.currency.get(j))
                    && amount_agrees
                    && (!on.merchant
                        || matches!((&merchant, l_description.and_then(|d| d.get(j))),
                            (Some(mch), Some(desc)) if desc.to_lowercase().contains(mch.as_str())));
                if agrees {
                    n += 1;
                    one = lr;
                    *back.entry(lr).or_default() += 1;
                }
            }
        }
        if n > 0 {
            found.push((pr, n, one));
        }
    }
    let mut count = RuleCount {
        name: rule.name.clone(),
        ..RuleCount::default()
    };
    let how = match rule.action {
        Action::Match => How::Rule(k),
        Action::Suggest => How::RuleSuggested(k),
    };
    for (pr, n, lr) in found {
        if n == 1 && back.get(&lr).copied() == Some(1) {
            m.pair(pr, lr, how);
            count.paired += 1;
        } else {
            // The first rule that found it ambiguous is the one its detail names.
            m.p_rule_candidates.entry(pr).or_insert((k, n));
            count.ambiguous += 1;
        }
    }
    for (lr, n) in back {
        if m.l_free(lr) && n > 1 {
            m.l_rule_candidates.entry(lr).or_insert((k, n));
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_on_reads_its_fields_and_names_an_unknown_one() {
        let f = Fields::parse(&["card".into(), "amount".into()]).unwrap();
        assert_eq!(
            f,
            Fields {
                card: true,
                amount: true,
                ..Fields::default()
            }
        );
        let e = Fields::parse(&["card".into(), "merchant".into()]).unwrap_err();
        assert!(
            e.contains("`merchant`") && e.contains("description_contains_merchant"),
            "{e}"
        );
        assert_eq!(card4(Some("448533******6937")), Some(*b"6937"));
        assert_eq!(card4(Some("**37")), None);
        assert_eq!(
            crate::model::last_four("4485 3339 1682 6937").as_deref(),
            Some("6937")
        );
        assert_eq!(crate::model::last_four("**** 37"), None);
    }
}
