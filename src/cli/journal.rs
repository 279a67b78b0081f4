//! `cardrecon journal`: a period's accepted items as adjusting journal entries for the ERP
//! (`crate::journal`), by the configuration's `[journal]` rules: `journal.csv` in the chosen
//! layout, and `unbooked.csv` with the accepted items no rule books.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::args::runtime;
use crate::error::{Error, Result};
use crate::period::Period;
use crate::store::decide::ItemFilter;
use crate::store::item::ItemState;

#[derive(Debug, Args)]
pub struct JournalArgs {
    /// The configuration with the `[journal]` rules (and the store, unless --store gives it).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The store, when not the configuration's.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    #[arg(long, value_name = "YYYY-MM")]
    pub period: String,
    /// Where `journal.csv` and `unbooked.csv` are written.
    #[arg(long)]
    pub out: PathBuf,
    /// Who produced the journal (default: the operating-system user), in its event.
    #[arg(long)]
    pub by: Option<String>,
}

pub fn run(a: JournalArgs) -> Result<ExitCode> {
    let name = a.config.display().to_string();
    let settings = super::args::offline_settings(&a.config)?;
    let dir = a.config.parent().unwrap_or(Path::new("."));
    let journal = settings.journal.clone().ok_or_else(|| {
        Error::config(&name, "journal", "has no [journal] section: say which accounts each reason code books to ([[journal.rules]])")
    })?;
    let period = Period::parse(&a.period)?;
    let label = period.label();
    let url = match &a.store {
        Some(u) => crate::secret::Secret::new(u.clone()),
        None => crate::pipeline::stored::store_url(&settings),
    };
    let by =
        a.by.clone()
            .unwrap_or_else(crate::pipeline::stored::os_user);
    let zone = settings.timezone;
    let (all, unbooked, new_id) = runtime()?.block_on(async {
        let store = crate::store::Store::open_existing(url.expose()).await?;
        let mut booked = store.journalled(&label).await?;
        let done: std::collections::HashSet<String> =
            booked.iter().map(|b| b.item_id.clone()).collect();
        let mut journals: Vec<&str> = booked.iter().map(|b| b.journal_id.as_str()).collect();
        journals.dedup();
        let journal_id = format!("J-{label}-{:03}", journals.len() + 1);
        let accepted = store
            .items(&ItemFilter {
                period: Some(label.clone()),
                state: Some(ItemState::Accepted),
            })
            .await?;
        let fresh: Vec<_> = accepted
            .into_iter()
            .filter(|i| !done.contains(&i.item_id))
            .collect();
        let (new, unbooked) = crate::journal::book(&fresh, &journal, &period, zone, &journal_id);
        let made = if new.is_empty() {
            None
        } else {
            store
                .record_journal(&label, &journal_id, &new, &crate::period::now_text(), &by)
                .await?;
            Some((journal_id, new.len()))
        };
        booked.extend(new);
        Ok::<_, Error>((booked, unbooked, made))
    })?;
    let lines = crate::journal::lines(&all);
    std::fs::create_dir_all(&a.out).map_err(|e| Error::io(&a.out, e))?;
    let text = crate::journal::render(&lines, &journal, dir)?;
    crate::report::write_whole(&a.out.join("journal.csv"), text.as_bytes())?;
    write_unbooked(&a.out.join("unbooked.csv"), &unbooked)?;
    let mut say = String::new();
    match &new_id {
        Some((id, n)) => say.push_str(&format!(
            "{id}: {n} accepted item{} booked\n",
            if *n == 1 { "" } else { "s" }
        )),
        None => say.push_str("no accepted item to book that is not in a journal already\n"),
    }
    for (currency, (d, c)) in crate::journal::totals(&lines) {
        say.push_str(&format!(
            "  {currency}: debits {} = credits {}\n",
            crate::journal::show(d, &currency),
            crate::journal::show(c, &currency)
        ));
    }
    if !unbooked.is_empty() {
        say.push_str(&format!(
            "{} accepted item{} not booked (no rule, or nothing to book): {}\n",
            unbooked.len(),
            if unbooked.len() == 1 { "" } else { "s" },
            a.out.join("unbooked.csv").display()
        ));
    }
    say.push_str(&format!("{}\n", a.out.join("journal.csv").display()));
    super::args::out(&say)?;
    Ok(ExitCode::SUCCESS)
}

fn write_unbooked(path: &Path, rows: &[crate::journal::Unbooked]) -> Result<()> {
    crate::report::csv::write_table(
        path,
        ["item_id", "reason", "amount", "currency", "why"],
        rows.iter().map(|u| {
            [
                u.item_id.clone(),
                u.reason.clone(),
                u.amount.map(crate::money::format).unwrap_or_default(),
                u.currency.clone(),
                u.why.clone(),
            ]
        }),
        &[2],
    )
}
