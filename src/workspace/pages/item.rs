//! One item: both sides side by side with what differs marked, the provider's wire record as
//! received (from the run's `raw/` archive), the ledger row with its `file:row`, related
//! records, the card's roll-forward, its history, proposals and comments. What it shows of the
//! run is [`crate::explain`]'s, the code behind `cardrecon explain`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use axum_csrf::CsrfToken;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::super::form::Posted;
use super::super::person::Person;
use super::super::render::{failure, money, page};
use super::super::App;
use super::items::{proposal_of, proposed_lines, reasons};
use super::{now_text, refused, unusable};
use crate::matching::Category;
use crate::store::StoredItem;

/// The fields shown side by side: label, provider column, ledger column (of `results.csv`).
const SIDES: [(&str, &str, &str); 5] = [
    ("Amount", "provider_amount", "ledger_amount"),
    ("Currency", "currency", "ledger_currency"),
    ("Status", "provider_status", "ledger_status"),
    ("Time", "provider_time", "ledger_time"),
    ("Accounting day", "provider_day", "ledger_day"),
];

fn text(m: &Map<String, Value>, k: &str) -> String {
    match m.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// A result row's two sides as rows of (field, provider, ledger, differs).
fn sides(row: &Map<String, Value>) -> Vec<minijinja::Value> {
    SIDES
        .iter()
        .map(|(label, p, l)| {
            let (pv, lv) = (text(row, p), text(row, l));
            let differs = match *label {
                // A ledger amount is signed (money out negative); the sizes are compared.
                "Amount" => {
                    !pv.is_empty()
                        && !lv.is_empty()
                        && pv.trim_start_matches('-') != lv.trim_start_matches('-')
                }
                "Currency" | "Accounting day" => !pv.is_empty() && !lv.is_empty() && pv != lv,
                _ => false,
            };
            minijinja::context! { field => label, provider => pv, ledger => lv, differs => differs }
        })
        .collect()
}

/// A record as (column, value) rows, for a two-column table.
fn fields(m: &Map<String, Value>) -> Vec<(String, String)> {
    m.iter()
        .map(|(k, v)| {
            let shown = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k.clone(), shown)
        })
        .collect()
}

/// The id the item's run is asked about: its tx id, else its ledger entry, else its order.
fn run_id_for(i: &StoredItem) -> Option<String> {
    i.tx_id
        .clone()
        .or_else(|| i.ledger_entry_id.clone())
        .or_else(|| i.order_id.clone())
}

pub async fn show(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(id): Path<String>,
) -> Response {
    let item = match app.store.item(&id).await {
        Ok(Some(i)) => i,
        Ok(None) => return (StatusCode::NOT_FOUND, "No such item.").into_response(),
        Err(e) => return failure(&e),
    };
    let history = match app.store.events_of(&id).await {
        Ok(h) => h,
        Err(e) => return failure(&e),
    };
    let proposals = match app.store.proposals_of(&id).await {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    // The run that last saw the item, and what it knows about the item's id.
    let run = match app.store.run_row(&item.last_run).await {
        Ok(r) => r,
        Err(e) => return failure(&e),
    };
    let explained = match (run, run_id_for(&item)) {
        (Some(run), Some(key)) => {
            let dir = app.runs_dir.join(&run.period).join(&run.run_id);
            let asked = key.clone();
            // The record's card, asked as a card, gives its roll-forward (cards.csv) when the
            // run has one: `explain` answers for the id it is given.
            let with_card = move || {
                let mut e = crate::explain::explain(&dir, &asked, None)?;
                if e.cards.is_empty() {
                    // cards.csv is keyed by the provider's card reference, which the
                    // normalized record carries as `card_ref` (the results show the masked
                    // number).
                    let card = e
                        .provider_records
                        .iter()
                        .find_map(|r| match r.get("card_ref") {
                            Some(Value::String(c)) if !c.is_empty() => Some(c.clone()),
                            _ => None,
                        });
                    if let Some(card) = card {
                        if let Ok(as_card) = crate::explain::explain(&dir, &card, None) {
                            e.cards = as_card.cards;
                        }
                    }
                }
                Ok::<_, crate::error::Error>(e)
            };
            match tokio::task::spawn_blocking(with_card).await {
                Ok(Ok(e)) => Some(e),
                Ok(Err(e)) => {
                    tracing::info!("explaining {key} in run {}: {e}", run.run_id);
                    None
                }
                Err(e) => {
                    tracing::warn!("explaining {key}: {e}");
                    None
                }
            }
        }
        _ => None,
    };
    let pending = proposals.iter().find(|p| p.status == "pending");
    let as_of = crate::period::Period::parse(&item.period)
        .map(|p| p.last)
        .unwrap_or_else(|_| chrono::Utc::now().date_naive());
    let row = super::items::item_row(&item, pending.is_some(), as_of);
    let ctx = minijinja::context! {
        nav => "items",
        i => row,
        age_to => item.closed_on().map_or(as_of, |c| c.min(as_of)).to_string(),
        evidence => item.evidence,
        note => item.note,
        decided_at => item.decided_at,
        cleared_in => item.cleared_in,
        first_run => item.first_run,
        last_run => item.last_run,
        provider_amount => money(item.exposure.provider_amount),
        ledger_amount => money(item.exposure.ledger_amount),
        explained => explained.is_some(),
        results => explained.as_ref().map(|e| e.results.iter().map(|r| minijinja::context! {
            category => text(r, "category"), detail => text(r, "detail"), card => text(r, "card"),
            match_id => text(r, "match_id"), tx_id => text(r, "tx_id"),
            ledger_entry_id => text(r, "ledger_entry_id"), sides => sides(r),
        }).collect::<Vec<_>>()).unwrap_or_default(),
        provider_records => explained.as_ref().map(|e| e.provider_records.iter().map(fields).collect::<Vec<_>>()).unwrap_or_default(),
        raw_records => explained.as_ref().map(|e| e.raw_records.iter().map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).collect::<Vec<_>>()).unwrap_or_default(),
        ledger_entries => explained.as_ref().map(|e| e.ledger_entries.iter().map(fields).collect::<Vec<_>>()).unwrap_or_default(),
        related => explained.as_ref().map(|e| e.related.iter().map(fields).collect::<Vec<_>>()).unwrap_or_default(),
        links => explained.as_ref().map(|e| e.links.iter().map(fields).collect::<Vec<_>>()).unwrap_or_default(),
        cards => explained.as_ref().map(|e| e.cards.iter().map(fields).collect::<Vec<_>>()).unwrap_or_default(),
        history => history.iter().map(|e| minijinja::context! {
            at => e.at, by => e.by, event => e.event, from => e.from_status, to => e.to_status,
            reason => e.reason, note => e.note, run_id => e.run_id, origin => e.origin,
        }).collect::<Vec<_>>(),
        proposals => proposals.iter().map(|p| minijinja::context! {
            id => p.proposal_id, action => p.action.as_str(),
            reason => p.action.reason().map(|r| r.as_str()), note => p.note,
            by => p.proposed_by, at => p.proposed_at, status => p.status,
            decided_by => p.decided_by, decided_at => p.decided_at, decision_note => p.decision_note,
            mine => p.proposed_by == me.name,
        }).collect::<Vec<_>>(),
        pending => pending.map(|p| p.proposal_id.clone()),
        pending_mine => pending.is_some_and(|p| p.proposed_by == me.name),
        open => item.state == crate::store::item::ItemState::Open,
        suggestion => item.category == Category::SuggestedMatch,
        reasons => reasons(),
    };
    page(&app, "item.html", Some(&me), token, ctx)
}

pub async fn propose(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(id): Path<String>,
    form: Posted,
) -> Response {
    let back = format!("/items/{id}");
    let (action, note) = match proposal_of(&form) {
        Ok(p) => p,
        Err(why) => return unusable(&app, &me, token, "Nothing proposed", why, &back),
    };
    match me
        .store(&app)
        .propose(
            std::slice::from_ref(&id),
            action,
            note,
            &me.name,
            &now_text(),
            &app.approve_above,
        )
        .await
    {
        Ok(done) => {
            tracing::info!(item = %id, by = %me.name, lines = ?proposed_lines(&done), "proposed");
            Redirect::to(&back).into_response()
        }
        Err(e) => refused(&app, &me, token, &e, &back),
    }
}

pub async fn comment(
    State(app): State<App>,
    Extension(me): Extension<Person>,
    token: CsrfToken,
    Path(id): Path<String>,
    form: Posted,
) -> Response {
    let back = format!("/items/{id}");
    let Some(note) = form.get("note") else {
        return unusable(
            &app,
            &me,
            token,
            "No comment",
            "A comment needs some text.",
            &back,
        );
    };
    match me
        .store(&app)
        .comment(&id, note, &me.name, &now_text())
        .await
    {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) => refused(&app, &me, token, &e, &back),
    }
}

#[derive(Deserialize)]
pub struct Search {
    q: Option<String>,
}

/// Any tx id, order id, ledger entry id or item id goes straight to its item; a card's last
/// four digits (or anything else) to the items that mention it.
pub async fn search(State(app): State<App>, Query(s): Query<Search>) -> Response {
    let q = s.q.unwrap_or_default().trim().to_string();
    if q.is_empty() {
        return Redirect::to("/items").into_response();
    }
    let found = match app.store.items_about(&q).await {
        Ok(f) => f,
        Err(e) => return failure(&e),
    };
    let list = || {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("state", "all")
            .append_pair("q", &q)
            .finish();
        Redirect::to(&format!("/items?{query}")).into_response()
    };
    match found.as_slice() {
        [one] => Redirect::to(&format!("/items/{}", one.item_id)).into_response(),
        _ => list(),
    }
}
