//! The fetch driver every provider uses: split the period (plus margin) into windows the API
//! accepts, page through each window as a stream, check completeness, and go over the windows
//! again until nothing changes (records inserted while paging shift pages under a client; a
//! second pass finds them). Pages come from the archive when a run is resumed.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures::stream::{self, Stream, StreamExt, TryStreamExt};

use super::http::{Archive, FetchCounters, FetchStats, RecordSet};
use crate::error::{Error, Result};

/// One window of one query: `[from, to)`, plus whatever else selects it (a business type).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Archive key prefix, e.g. `transactions/bt1/20260225-20260406`.
    pub key: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// False for a query that is not a time range (cardapp's card list): `from`/`to` are then
    /// placeholders, and the evidence shows no range rather than 1970.
    pub timed: bool,
    pub class: Option<String>,
}

/// Where a page may come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageSource {
    /// The run's archive when the page is there (a resumed run), else the provider.
    ArchiveFirst,
    /// The provider, always: a re-read to see whether a window changed while it was paged.
    Live,
}

/// One query's windows and how to read them, for [`fetch_windows`].
pub struct WindowFetch<'a> {
    /// The provider instance, for statistics and errors.
    pub provider: &'a str,
    pub windows: Vec<Window>,
    /// The page size asked for: a shorter page ends a window.
    pub page_size: usize,
    /// Windows read at once.
    pub concurrency: usize,
    /// The field that identifies a record, to count distinct records against a total.
    pub id_field: &'a str,
    /// The provider's request counters, read into the statistics at the end.
    pub counters: &'a Arc<FetchCounters>,
}

/// One page as a provider answered it.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub records: Vec<serde_json::Value>,
    /// The provider-reported total of the window, where the API gives one.
    pub total: Option<u64>,
}

/// Splits `[from, to)` into consecutive windows of at most `max` each.
pub fn split(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max: Duration,
    key: &str,
    class: Option<&str>,
) -> Vec<Window> {
    let mut out = Vec::new();
    let mut a = from;
    while a < to {
        let b = (a + max).min(to);
        out.push(Window {
            key: format!(
                "{key}/{}-{}",
                a.format("%Y%m%dT%H%M%S"),
                b.format("%Y%m%dT%H%M%S")
            ),
            from: a,
            to: b,
            timed: true,
            class: class.map(str::to_string),
        });
        a = b;
    }
    out
}

/// Pagination as a stream: pages of one window until a short page (or the reported total).
/// `fetch(window, page_index, source)` gets one page.
pub fn pages<'a, F, Fut>(
    window: &Window,
    page_size: usize,
    source: PageSource,
    fetch: &'a F,
) -> impl Stream<Item = Result<Page>> + 'a
where
    F: Fn(Window, u32, PageSource) -> Fut,
    Fut: Future<Output = Result<Page>> + 'a,
{
    let window = window.clone();
    stream::try_unfold((0u32, 0u64, false), move |(index, seen, done)| {
        let w = window.clone();
        async move {
            if done {
                return Ok(None);
            }
            let page = fetch(w, index, source).await?;
            let seen = seen + page.records.len() as u64;
            let last = page.records.len() < page_size
                || page.records.is_empty()
                || page.total.is_some_and(|t| seen >= t);
            Ok(Some((page, (index + 1, seen, last))))
        }
    })
}

/// What one pass over a window found.
#[derive(Debug, Clone, Default)]
pub struct WindowResult {
    pub records: Vec<serde_json::Value>,
    pub total: Option<u64>,
    pub totals_agree: bool,
    /// Records that came again on a later page of this read (pages shifted under it).
    pub repeats: u64,
    /// Pages of this read.
    pub pages: u64,
}

async fn read_window<F, Fut>(
    window: &Window,
    page_size: usize,
    source: PageSource,
    fetch: &F,
) -> Result<WindowResult>
where
    F: Fn(Window, u32, PageSource) -> Fut,
    Fut: Future<Output = Result<Page>>,
{
    let all: Vec<Page> = pages(window, page_size, source, fetch)
        .try_collect()
        .await?;
    let page_count = all.len() as u64;
    let totals: Vec<u64> = all.iter().filter_map(|p| p.total).collect();
    let total = totals.last().copied();
    let totals_agree = totals.windows(2).all(|w| w[0] == w[1]);
    let records: Vec<serde_json::Value> = all.into_iter().flat_map(|p| p.records).collect();
    let unique: std::collections::HashSet<String> = records.iter().map(|r| r.to_string()).collect();
    let repeats = (records.len() - unique.len()) as u64;
    Ok(WindowResult {
        records,
        total,
        totals_agree,
        repeats,
        pages: page_count,
    })
}

/// The distinct records of a window (id and content): identical repeats from shifted pages
/// count once, two different records under one id (a provider duplicate) count twice.
fn distinct(records: &[serde_json::Value], id_field: &str) -> std::collections::BTreeSet<String> {
    records
        .iter()
        .filter(|r| r.get(id_field).is_some())
        .map(|r| r.to_string())
        .collect()
}

/// Fetches every window completely and returns the records (identical repeats dropped).
///
/// A window whose pages reported different totals, or fewer distinct records than the total,
/// is read again live (records were inserted while paging). Then every window is checked again
/// (its first page's total, or for APIs without totals a full re-read) until a pass changes
/// nothing; a window that still disagrees after that is an [`Error::Incomplete`].
pub async fn fetch_windows<F, Fut>(
    job: WindowFetch<'_>,
    fetch: F,
) -> Result<(RecordSet, FetchStats)>
where
    F: Fn(Window, u32, PageSource) -> Fut,
    Fut: Future<Output = Result<Page>>,
{
    let WindowFetch {
        provider,
        windows,
        page_size,
        concurrency,
        id_field,
        counters,
    } = job;
    let fetch = &fetch;
    // Pass 1: each window, from the archive where a page is there.
    let first: Vec<(usize, WindowResult, u64, u64)> = stream::iter(windows.iter().enumerate())
        .map(|(i, w)| async move {
            let mut r = read_window(w, page_size, PageSource::ArchiveFirst, fetch).await?;
            let mut reread = 0u64;
            let mut repeats = r.repeats;
            for _ in 0..3 {
                let complete = r.total.is_none_or(|t| {
                    r.totals_agree && distinct(&r.records, id_field).len() as u64 == t
                });
                if complete {
                    break;
                }
                reread += 1;
                r = read_window(w, page_size, PageSource::Live, fetch).await?;
                repeats += r.repeats;
            }
            Ok::<_, Error>((i, r, reread, repeats))
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await?;
    let mut results: Vec<WindowResult> = vec![WindowResult::default(); windows.len()];
    let mut reread = 0u64;
    let mut repeats = 0u64;
    // Per window: full reads and identical repeats dropped (the evidence).
    let mut reads = vec![1u64; windows.len()];
    let mut dropped = vec![0u64; windows.len()];
    for (i, r, n, rep) in first {
        results[i] = r;
        reread += n;
        repeats += rep;
        reads[i] += n;
        dropped[i] += rep;
    }
    // Further passes: until nothing changes.
    let mut passes = 1u64;
    for _ in 0..4 {
        let checks: Vec<(usize, Option<WindowResult>)> = stream::iter(windows.iter().enumerate())
            .map(|(i, w)| {
                let known = &results[i];
                async move {
                    let fresh = if known.total.is_some() {
                        let first_page = fetch(w.clone(), 0, PageSource::Live).await?;
                        if first_page.total == known.total {
                            return Ok::<_, Error>((i, None));
                        }
                        read_window(w, page_size, PageSource::Live, fetch).await?
                    } else {
                        read_window(w, page_size, PageSource::Live, fetch).await?
                    };
                    let changed = distinct(&fresh.records, id_field)
                        != distinct(&known.records, id_field)
                        || fresh.total != known.total;
                    Ok((i, changed.then_some(fresh)))
                }
            })
            .buffer_unordered(concurrency.max(1))
            .try_collect()
            .await?;
        passes += 1;
        let mut changed = false;
        for (i, fresh) in checks {
            if let Some(f) = fresh {
                repeats += f.repeats;
                reads[i] += 1;
                dropped[i] += f.repeats;
                results[i] = f;
                changed = true;
                reread += 1;
            }
        }
        if !changed {
            break;
        }
    }
    let mut set = RecordSet::default();
    let mut checks = 0u64;
    let mut window_checks = Vec::with_capacity(windows.len());
    for (k, (w, r)) in windows.iter().zip(&results).enumerate() {
        // The window's distinct records: its evidence and its check against the total.
        let n = distinct(&r.records, id_field).len() as u64;
        window_checks.push(super::http::WindowCheck {
            window: w.key.clone(),
            from: w
                .timed
                .then(|| w.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            to: w
                .timed
                .then(|| w.to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            total: r.total,
            fetched: n,
            pages: r.pages,
            reads: reads[k],
            repeats_dropped: dropped[k],
        });
        if let Some(t) = r.total {
            checks += 1;
            if n != t || !r.totals_agree {
                return Err(Error::Incomplete {
                    provider: provider.to_string(),
                    window: if w.timed {
                        format!("{} .. {}", w.from.to_rfc3339(), w.to.to_rfc3339())
                    } else {
                        w.key.clone()
                    },
                    message: format!(
                        "the provider reports {t} records, {n} distinct ones were fetched"
                    ),
                });
            }
        }
        for rec in &r.records {
            set.add(rec.clone());
        }
    }
    let mut stats = FetchStats {
        provider: provider.to_string(),
        ..FetchStats::default()
    };
    stats.update_counters(counters);
    stats.records = set.lines.len() as u64;
    stats.identical_repeats_dropped = set.repeats + repeats;
    stats.windows = windows.len() as u64;
    stats.completeness_checks = checks;
    stats.passes = passes;
    stats.windows_reread = reread;
    stats.completeness =
        super::http::completeness_words(results.iter().any(|r| r.total.is_some())).to_string();
    stats.window_checks = window_checks;
    Ok((set, stats))
}

/// The records (at `list`, a JSON pointer) and the total (at `total`) of a page answer; an
/// answer without the list is an error naming the page.
pub fn page_of(
    provider: &str,
    what: &str,
    answer: &serde_json::Value,
    list: &str,
    total: Option<&str>,
    progress: &super::output::Progress,
) -> Result<Page> {
    let bad = |message: String| Error::Fetch {
        provider: provider.to_string(),
        what: what.to_string(),
        message,
        cause: None,
    };
    // A JSON pointer as the field name the provider's docs use: `/data/list` is `data.list`.
    let field = |pointer: &str| pointer.trim_start_matches('/').replace('/', ".");
    let records = answer
        .pointer(list)
        .and_then(|l| l.as_array())
        .cloned()
        .ok_or_else(|| bad(format!("the answer has no {}", field(list))))?;
    // The total drives the completeness check, so one that is there but is not a record count
    // (negative, fractional, text, beyond u64) is refused rather than ignored.
    let total = match total.and_then(|t| answer.pointer(t).map(|v| (t, v))) {
        None | Some((_, serde_json::Value::Null)) => None,
        Some((t, v)) => Some(
            v.as_u64()
                .ok_or_else(|| bad(format!("{} is {v}, not a record count", field(t))))?,
        ),
    };
    super::output::tick(progress, records.len());
    Ok(Page { records, total })
}

/// A page from its raw bytes: the JSON answer, then its record list at `list` and the total at
/// `total`. The errors name the provider, the page (`what`) and the missing field. (The fetchers
/// get JSON already parsed from [`super::http::Http::json`]; this is the same check from bytes,
/// for archived pages, the corpus and the fuzz targets.)
pub fn parse_page(
    provider: &str,
    what: &str,
    bytes: &[u8],
    list: &str,
    total: Option<&str>,
) -> Result<Page> {
    let answer: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| Error::Fetch {
        provider: provider.to_string(),
        what: what.to_string(),
        message: format!("the answer is not complete JSON ({e})"),
        cause: Some(Box::new(e)),
    })?;
    page_of(provider, what, &answer, list, total, &None)
}

/// The error for an answer whose status `code` says no: the code, the provider's message, and
/// a hint when the code means bad credentials.
pub fn refused(
    provider: &str,
    what: &str,
    body: &serde_json::Value,
    message_field: &str,
    auth_codes: &[&str],
    hint: &str,
) -> Error {
    let code = body
        .get("code")
        .map(|c| c.to_string().trim_matches('"').to_string())
        .unwrap_or_default();
    let msg = body
        .get(message_field)
        .and_then(|m| m.as_str())
        .unwrap_or("");
    let hint = if auth_codes.contains(&code.as_str()) {
        format!(" ({hint})")
    } else {
        String::new()
    };
    Error::Fetch {
        provider: provider.to_string(),
        what: what.to_string(),
        message: format!("code {code}: {msg}{hint}"),
        cause: None,
    }
}

/// Takes a page from the archive (when `source` allows and it is there) or lets `live` fetch it
/// and archives the answer.
pub async fn archived<Fut>(
    archive: &Archive,
    key: &str,
    source: PageSource,
    counters: &FetchCounters,
    live: Fut,
) -> Result<serde_json::Value>
where
    Fut: Future<Output = Result<serde_json::Value>>,
{
    if source == PageSource::ArchiveFirst {
        if let Some(v) = archive.read(key) {
            counters.pages_from_archive.fetch_add(1, Ordering::Relaxed);
            return Ok(v);
        }
    }
    let mut v = live.await?;
    super::http::strip_secrets(&mut v);
    archive.write(key, &v)?;
    counters.pages.fetch_add(1, Ordering::Relaxed);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_range_without_gaps() {
        let from = DateTime::parse_from_rfc3339("2026-02-26T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let to = DateTime::parse_from_rfc3339("2026-06-10T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let w = split(from, to, Duration::days(60), "tx", Some("1"));
        assert_eq!(w.len(), 2);
        assert_eq!(
            (w[0].from, w[0].to, w[1].from, w[1].to),
            (
                from,
                from + Duration::days(60),
                from + Duration::days(60),
                to
            )
        );
        assert_eq!(w[0].key, "tx/20260226T000000-20260427T000000");
        assert!(split(from, from, Duration::days(1), "k", None).is_empty());
    }
}
