//! `cardrecon demo`: generate a month, serve it from the sandbox, fetch and reconcile it; no
//! setup needed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::args::runtime;
use super::generate::GenerateArgs;
use crate::config::template;
use crate::config::{ConfigFile, Settings};
use crate::error::{Error, Result};
use crate::period::Period;
use crate::pipeline;
use crate::report::summary;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of provider-side records to generate.
    #[arg(long, default_value_t = 20_000)]
    pub records: u64,
    /// Where the generated data and the reports go.
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

pub fn run(a: DemoArgs) -> Result<ExitCode> {
    let data = a.out.join("data");
    // The demo starts a fresh store each time, like its fresh data (a store closed by an
    // earlier try of the README's workflow would refuse the month).
    let store = a.out.join("runs").join("cardrecon.db");
    if store.exists() {
        std::fs::remove_file(&store).map_err(|e| Error::io(&store, e))?;
    }
    outln!("1/3 generating a synthetic month into {}", data.display());
    super::generate::generate(GenerateArgs {
        out: data.clone(),
        records: a.records,
        seed: a.seed,
        period: "2026-03".into(),
        timezone: "Europe/London".into(),
        discrepancy_share: None,
        opening_cards: None,
        ledger_style: Default::default(),
    })?;
    let rt = runtime()?;
    let done = rt.block_on(async {
        let (url, handle) = crate::sandbox::start(
            &data.join("providers"),
            crate::sandbox::SandboxOptions::default(),
        )
        .await?;
        outln!(
            "\n2/3 provider sandbox serving on {url} ({})",
            crate::sandbox::mounts(&crate::providers::SPECS)
        );
        let config = a.out.join("cardrecon.toml");
        let ledger = std::path::absolute(data.join("ledger.csv"))
            .map_err(|e| Error::io(data.join("ledger.csv"), e))?;
        std::fs::write(
            &config,
            template::config_template(
                Some(&url),
                "Europe/London",
                Some("2026-03"),
                &ledger.display().to_string(),
            ),
        )
        .map_err(|e| Error::io(&config, e))?;
        outln!(
            "\n3/3 fetching the month from the sandbox and reconciling it (config: {})",
            config.display()
        );
        // The demo's credentials are the sandbox's, given the way real ones are (the
        // configuration's `${ENV}` references), through a lookup of their own: nothing is set
        // in the process environment.
        let file = ConfigFile::load(&config)?;
        let mut settings = Settings::resolve_with(
            &file,
            &config.display().to_string(),
            &crate::secret::Vars::new(template::sandbox_env()),
        )?;
        settings.output_dir = a.out.join("runs");
        let period = Period::parse("2026-03")?;
        let job = pipeline::run::RunJob {
            settings,
            config_path: Some(config.clone()),
            period,
            ledger,
            run_id: None,
            progress: true,
            thresholds: Default::default(),
            reopen_period: false,
            refresh: false,
            export: None,
        };
        let done = pipeline::run::run(&job).await;
        handle.stop().await;
        done
    })?;
    out!("{}", summary::render_table(&done.outcome.summary));
    outln!("\nreports in {}:", done.run_dir.display());
    for f in &done.outcome.files {
        outln!("  {}", f.display());
    }
    outln!(
        "  {}",
        done.run_dir.join(crate::run_dir::MANIFEST_JSON).display()
    );
    outln!("\nThe generator seeded every kind of difference on purpose: compare discrepancies.csv with {}, links.csv with {} and cards.csv with {}.", data.join("labels.csv").display(), data.join("link_labels.csv").display(), data.join("card_labels.csv").display());
    if let Some(close) = &done.outcome.summary.close {
        outln!(
            "\nThe run recorded its {} open items in the store {}; try:\n  cargo run -- items --store {}",
            close.open_items.len(),
            close.store,
            close.store
        );
    }
    if let Some(line) = summary::report_pointer(&done.outcome.files) {
        outln!("\n{line}");
    }
    // Two people to click through the close with: a preparer proposes, an approver approves.
    let store_url = format!("sqlite:{}", store.display());
    let people = runtime()?.block_on(async {
        let s = crate::store::Store::open(&store_url)
            .await?
            .with_origin("cardrecon demo");
        let at = super::args::now_text();
        let mut people = Vec::new();
        for (name, role) in [
            ("ana", crate::store::users::Role::Preparer),
            ("ben", crate::store::users::Role::Approver),
        ] {
            let password = crate::store::users::generated_password();
            s.add_user(name, role, &password, "cardrecon demo", &at)
                .await?;
            people.push((name, role, password));
        }
        Ok::<_, Error>(people)
    })?;
    outln!("\nReview in the browser: the workspace over this store, with two people made for the demo (passwords shown only now):");
    for (name, role, password) in &people {
        outln!("  {name:<4} {:<9} {password}", role.as_str());
    }
    outln!(
        "  cargo run -- serve --config {}\n  then open http://127.0.0.1:8080/",
        a.out.join("cardrecon.toml").display()
    );
    Ok(ExitCode::SUCCESS)
}
