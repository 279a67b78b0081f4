//! The copy into a drop directory: a shared folder, or one another system (a document store,
//! an upload job) watches. The watcher must never see half a delivery, so the files are written
//! into a hidden staging directory beside the target and the directory is renamed into place:
//! one rename, atomic on one file system. A delivery again (a retry) replaces the earlier copy.

use std::path::{Path, PathBuf};

use super::headline::Headline;
use crate::error::{Error, Result};

/// What is copied, when the run wrote it.
pub const FILES: [&str; 5] = [
    crate::run_dir::REPORT_XLSX,
    crate::run_dir::REPORT_HTML,
    crate::run_dir::SUMMARY_JSON,
    crate::run_dir::DISCREPANCIES_CSV,
    crate::run_dir::MANIFEST_JSON,
];

/// Copies the run's reports into `<dir>/cardrecon-<period>-<run id>/` and returns that path.
pub fn copy(run_dir: &Path, head: &Headline, dir: &Path) -> Result<PathBuf> {
    let fail = |message: String| Error::delivery(dir.display().to_string(), message);
    if !dir.is_dir() {
        return Err(fail(
            "is not a directory (the drop directory must exist)".into(),
        ));
    }
    let name = format!("cardrecon-{}-{}", head.period, head.run_id);
    let target = dir.join(&name);
    let staging = dir.join(format!(".{name}.partial"));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
    let staged = (|| -> Result<()> {
        for f in FILES {
            let from = run_dir.join(f);
            if from.is_file() {
                let to = staging.join(f);
                std::fs::copy(&from, &to).map_err(|e| Error::io(&to, e))?;
                std::fs::File::open(&to)
                    .and_then(|file| file.sync_all())
                    .map_err(|e| Error::io(&to, e))?;
            }
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if target.exists() {
        // A retry: the earlier copy goes aside first, so the target is never half old, half new.
        let old = dir.join(format!(".{name}.old"));
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(&target, &old).map_err(|e| Error::io(&target, e))?;
        let _ = std::fs::remove_dir_all(&old);
    }
    std::fs::rename(&staging, &target).map_err(|e| Error::io(&target, e))?;
    Ok(target)
}
