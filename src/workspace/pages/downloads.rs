//! A run's files, downloaded from its directory: only a run the store recorded, and only one
//! of [`super::periods::RUN_FILES`] (no path a request names is ever opened).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::super::render::failure;
use super::super::App;
use super::periods::RUN_FILES;

pub async fn run_file(
    State(app): State<App>,
    Path((run_id, file)): Path<(String, String)>,
) -> Response {
    let Some(name) = RUN_FILES.iter().find(|f| **f == file) else {
        return (StatusCode::NOT_FOUND, "Not a file of a run.").into_response();
    };
    let run = match app.store.run_row(&run_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return (StatusCode::NOT_FOUND, "No such run.").into_response(),
        Err(e) => return failure(&e),
    };
    let path = app.runs_dir.join(&run.period).join(&run.run_id).join(name);
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(_) => {
            return (
                StatusCode::NOT_FOUND,
                "The run's directory no longer has this file.",
            )
                .into_response()
        }
    };
    let kind = match name.rsplit('.').next() {
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("html") => "text/html; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        _ => "application/json",
    };
    // The report page is a document of its own: its inline style and script are the run's,
    // so it is served as a download, never rendered under the workspace's origin.
    let disposition = format!("attachment; filename=\"{}-{}\"", run.run_id, name);
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
