//! Items: filtered, sorted and paged by the database; the filters live in the URL (a link can be
//! sent to a colleague) and the filtered list downloads as CSV. Selecting many proposes one
//! decision for all.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum_csrf::CsrfToken;
use serde::Deserialize;

use super::super::form::Posted;
use super::super::person::Person;
use super::super::render::{failure, message, money, page};
use super::super::App;
use super::{filled, now_text, page_link, refused, unusable, with_query};
use crate::matching::Category;
use crate::store::browse::{ItemColumn, ItemQuery, ItemSort, StateFilter, AGE_BUCKETS};
use crate::store::decide::Action;
use crate::store::item::Reason;
use crate::store::proposals::Proposed;
use crate::store::StoredItem;

/// Items on one page.
pub const PAGE_SIZE: u64 = 50;

/// The items page's URL parameters, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    pub period: Option<String>,
    pub state: Option<String>,
    pub category: Option<String>,
    pub provider: Option<String>,
    pub currency: Option<String>,
    pub age: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<u64>,
}

impl Filters {
    /// The store query, and what was typed that is not a valid filter (said on the page, and
    /// left out of the query rather than failing it).
    pub fn query(&self) -> (ItemQuery, Vec<String>) {
        let mut notes = Vec::new();
        let mut q = ItemQuery {
            period: filled(&self.period),
            provider: filled(&self.provider),
            currency: filled(&self.currency).map(|c| c.to_ascii_uppercase()),
            text: filled(&self.q),
            ..Default::default()
        };
        if let Some(s) = filled(&self.state) {
            if s != "all" {
                match StateFilter::parse(&s) {
                    Some(f) => q.state = Some(f),
                    None => notes.push(format!("`{s}` is not a state; all states are shown")),
                }
            }
        }
        if let Some(c) = filled(&self.category) {
            match Category::parse(&c) {
                Some(c) => q.category = Some(c.as_str().to_string()),
                None => notes.push(format!("`{c}` is not a category; all are shown")),
            }
        }
        if let Some(a) = filled(&self.age) {
            match AGE_BUCKETS.iter().find(|b| b.0 == a) {
                Some(b) => q.age = Some(b.0),
                None => notes.push(format!("`{a}` is not an age bucket; all ages are shown")),
            }
        }
        let as_of = q
            .period
            .as_deref()
            .and_then(|p| crate::period::Period::parse(p).ok())
            .map(|p| p.last);
        q.as_of = Some(as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()));
        for (typed, slot, what) in [
            (filled(&self.min), &mut q.min_amount, "smallest amount"),
            (filled(&self.max), &mut q.max_amount, "largest amount"),
        ] {
            if let Some(t) = typed {
                match crate::money::parse(&t) {
                    Ok(d) => *slot = Some(d.abs().to_string()),
                    Err(_) => notes.push(format!("`{t}` is not an amount; no {what} is applied")),
                }
            }
        }
        if let Some(s) = filled(&self.sort) {
            match ItemSort::parse(&s) {
                Some(s) => q.sort = s,
                None => notes.push(format!("`{s}` is not a sort order; oldest first")),
            }
        }
        (q, notes)
    }

    /// The URL query of these filters (without the page), for links and the CSV download.
    pub fn url_query(&self) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("period", &self.period),
            ("state", &self.state),
            ("category", &self.category),
            ("provider", &self.provider),
            ("currency", &self.currency),
            ("age", &self.age),
            ("min", &self.min),
            ("max", &self.max),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if let Some(v) = filled(v) {
                pairs.append_pair(k, &v);
            }
        }
        pairs.finish()
    }
}

/// An item as a row of the list.
pub fn item_row(i: &StoredItem, proposed: bool, as_of: chrono::NaiveDate) -> minijinja::Value {
    let (days, bucket) = i.age_on(as_of);
    minijinja::context! {
        item_id => i.item_id, period => i.period, category => i.category.as_str(),
        provider => i.provider, kind => i.kind, tx_id => i.tx_id, order_id => i.order_id,
        ledger_entry_id => i.ledger_entry_id, amount => money(i.amount), currency => i.currency,
        at_stake => money(i.exposure.at_stake), difference => money(i.exposure.difference),
        state => if proposed { "proposed" } else { i.state.as_str() },
        age_days => days, age_bucket => bucket, reason => i.reason, decided_by => i.decided_by,
        suggestion => i.category == Category::SuggestedMatch,
    }
}

/// The reason codes a person picks from.
pub fn reasons() -> Vec<&'static str> {
    Reason::ALL
        .iter()
        .filter(|r| **r != Reason::MatchedManually)
        .map(|r| r.as_str())
        .collect()
}

pub async fn list(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Query(f): Query<Filters>,
) -> Response {
    let (q, notes) = f.query();
    let page_no = f.page.unwrap_or(1).max(1);
    let found = match app
        .store
        .items_page(&q, (page_no - 1) * PAGE_SIZE, PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let choices = match choices(&app).await {
        Ok(c) => c,
        Err(e) => return failure(&e),
    };
    let as_of = q.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let rows: Vec<minijinja::Value> = found
        .items
        .iter()
        .map(|i| item_row(i, found.proposed.contains(&i.item_id), as_of))
        .collect();
    let pages = found.total.div_ceil(PAGE_SIZE).max(1);
    let base = f.url_query();
    let link = |p: u64| page_link("/items", &base, p);
    let totals = crate::store::item::at_stake_by_currency(&found.items);
    page(
        &app,
        "items.html",
        Some(&me),
        token,
        minijinja::context! {
            nav => "items",
            items => rows,
            total => found.total,
            page => page_no,
            pages => pages,
            first => if found.total == 0 { 0 } else { (page_no - 1) * PAGE_SIZE + 1 },
            last => ((page_no - 1) * PAGE_SIZE + found.items.len() as u64),
            prev => (page_no > 1).then(|| link(page_no - 1)),
            next => (page_no < pages).then(|| link(page_no + 1)),
            csv => with_query("/items.csv", &base),
            notes => notes,
            as_of => as_of.to_string(),
            page_totals => totals.iter().map(|(c, (n, a))| minijinja::context! {
                currency => c, count => n, at_stake => crate::money::format(*a),
            }).collect::<Vec<_>>(),
            f => minijinja::context! {
                period => filled(&f.period), state => filled(&f.state).unwrap_or_default(),
                category => filled(&f.category), provider => filled(&f.provider),
                currency => filled(&f.currency), age => filled(&f.age), min => filled(&f.min),
                max => filled(&f.max), q => filled(&f.q), sort => q.sort.as_str(),
            },
            periods => &choices[0], providers => &choices[1], currencies => &choices[2],
            states => ["open", "proposed", "accepted", "cleared", "resolved", "all"],
            categories => Category::ALL.iter().filter(|c| **c != Category::Matched).map(|c| c.as_str()).collect::<Vec<_>>(),
            ages => AGE_BUCKETS.iter().map(|b| b.0).collect::<Vec<_>>(),
            sorts => ItemSort::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            reasons => reasons(),
            back => with_query("/items", &base),
        },
    )
}

/// The periods, providers and currencies the filters offer, read at most once a minute (a
/// new period appears in the list within a minute of its run).
async fn choices(app: &App) -> crate::error::Result<[Vec<String>; 3]> {
    let mut cached = app.choices.lock().await;
    if let Some((at, c)) = cached.as_ref() {
        if at.elapsed() < std::time::Duration::from_secs(60) {
            return Ok(c.clone());
        }
    }
    let read = [
        app.store.item_values(ItemColumn::Period).await?,
        app.store.item_values(ItemColumn::Provider).await?,
        app.store.item_values(ItemColumn::Currency).await?,
    ];
    *cached = Some((std::time::Instant::now(), read.clone()));
    Ok(read)
}

pub async fn csv(State(app): State<App>, Query(f): Query<Filters>) -> Response {
    let (q, _) = f.query();
    let items = match app.store.items_all(&q).await {
        Ok(i) => i,
        Err(e) => return failure(&e),
    };
    let as_of = q.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let mut out = Vec::new();
    if let Err(e) = crate::store::item_table::write_csv(&mut out, &items, as_of) {
        tracing::error!("writing items CSV: {e}");
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the CSV could not be written",
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"items.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

/// The decision a proposal form asks for (`action` and, for accept, `reason`) and its note;
/// or what is missing. One reading for the item page's form and the list's.
pub fn proposal_of(form: &Posted) -> Result<(Action, &str), String> {
    let action = form.get("action").unwrap_or("");
    let reason = form.get("reason");
    let parsed = Action::parse(action, reason).ok_or_else(|| match (action, reason) {
        ("accept", None) => "Accepting needs a reason code.".to_string(),
        ("accept", Some(r)) => format!("`{r}` is not a reason code."),
        ("", _) => "Choose what to propose.".to_string(),
        (a, _) => format!("`{a}` is not a decision."),
    })?;
    let note = form
        .get("note")
        .ok_or_else(|| "A proposal needs a note saying why.".to_string())?;
    Ok((parsed, note))
}

/// Says what proposing did: how many wait for approval and how many took effect at once.
pub fn proposed_lines(done: &[Proposed]) -> Vec<String> {
    let waiting = done
        .iter()
        .filter(|p| matches!(p, Proposed::Pending(_)))
        .count();
    let applied = done.len() - waiting;
    let mut lines = Vec::new();
    if waiting > 0 {
        lines.push(format!(
            "{waiting} proposal{} waiting for an approver.",
            if waiting == 1 { " is" } else { "s are" }
        ));
    }
    if applied > 0 {
        lines.push(format!(
            "{applied} item{} within approve_above: decided at once.",
            if applied == 1 { " is" } else { "s are" }
        ));
    }
    lines
}

pub async fn propose_many(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    form: Posted,
) -> Response {
    let back = form
        .get("back")
        .filter(|b| b.starts_with("/items") && b.bytes().all(|c| c.is_ascii_graphic()))
        .unwrap_or("/items")
        .to_string();
    let ids = form.all("item");
    if ids.is_empty() {
        return unusable(
            &app,
            &me,
            token,
            "Nothing proposed",
            "Select at least one item.",
            &back,
        );
    }
    let (action, note) = match proposal_of(&form) {
        Ok(p) => p,
        Err(why) => return unusable(&app, &me, token, "Nothing proposed", why, &back),
    };
    match me
        .store(&app)
        .propose(
            &ids,
            action,
            note,
            &me.name,
            &now_text(),
            &app.approve_above,
        )
        .await
    {
        Ok(done) => {
            let mut lines = proposed_lines(&done);
            lines.insert(
                0,
                format!(
                    "{} {} proposed for {} items.",
                    action.as_str(),
                    note_words(action),
                    ids.len()
                ),
            );
            message(&app, &me, token, StatusCode::OK, "Proposed", &lines, &back)
        }
        Err(e) => refused(&app, &me, token, &e, &back),
    }
}

fn note_words(action: Action) -> String {
    action
        .reason()
        .map(|r| format!("({})", r.as_str()))
        .unwrap_or_default()
}
