//! Credentials: values that never print, and the `${NAME}` references that fetch them.
//!
//! A configuration names credentials as `${NAME}` references; [`expand`] resolves one through an
//! [`Env`], a lookup the caller passes in. Production passes [`ProcessEnv`]; the demo and the
//! tests pass a map ([`Vars`]), so nothing sets process environment variables to hand
//! credentials around (which would leak them to every child process and race between threads).

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// A credential. `Debug` and `Display` print `***`, so it cannot reach a log line by accident.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Where `${NAME}` references are looked up.
pub trait Env {
    /// The variable's value; `None` when it is unset or empty.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment: what `cardrecon run` uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

/// Variables given as a map (the demo's sandbox credentials, tests). `Debug` shows the names
/// only.
#[derive(Clone, Default)]
pub struct Vars(BTreeMap<String, Secret>);

impl Vars {
    pub fn new<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Vars {
        Vars(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), Secret::new(v)))
                .collect(),
        )
    }
}

impl std::fmt::Debug for Vars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Env for Vars {
    fn var(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|s| s.expose().to_string())
            .filter(|v| !v.is_empty())
    }
}

/// Resolves a credential: `${NAME}` reads NAME from `env`; anything else is used as written. The
/// value is never echoed back, not even in errors (`source_name` and `field` say where it was).
pub fn expand(value: &Secret, env: &dyn Env, source_name: &str, field: &str) -> Result<Secret> {
    let v = value.expose().trim();
    match v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        Some(var) => env.var(var).map(Secret::new).ok_or_else(|| {
            Error::config(
                source_name,
                field,
                format!("the environment variable `{var}` is not set"),
            )
        }),
        None => Ok(Secret::new(v)),
    }
}

/// `text` with every `${NAME}` inside it replaced by the variable's value: a URL such as
/// `postgres://recon:${CARDRECON_DB_PASSWORD}@db/books`. The result is a [`Secret`].
pub fn interpolate(text: &str, env: &dyn Env, source_name: &str, field: &str) -> Result<Secret> {
    let mut out = String::new();
    let mut rest = text.trim();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| Error::config(source_name, field, "a `${` without its closing `}`"))?;
        let var = &after[..end];
        let value = env.var(var).ok_or_else(|| {
            Error::config(
                source_name,
                field,
                format!("the environment variable `{var}` is not set"),
            )
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Secret::new(out))
}

/// A URL without its password (`postgres://recon:***@db/books`), for messages, logs, reports
/// and the manifest. Text that is not a URL with a password comes back as it is.
pub fn url_without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_and_references_resolve_through_the_given_env() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        let env = Vars::new([("A_KEY", "from-map"), ("EMPTY", "")]);
        assert!(!format!("{env:?}").contains("from-map"));
        let got = expand(
            &Secret::new(" ${A_KEY} "),
            &env,
            "t.toml",
            "providers.x.key",
        )
        .unwrap();
        assert_eq!(got.expose(), "from-map");
        assert_eq!(
            expand(&Secret::new("literal"), &env, "t.toml", "f")
                .unwrap()
                .expose(),
            "literal"
        );
        for unset in ["${EMPTY}", "${NOT_THERE}"] {
            let e = expand(&Secret::new(unset), &env, "t.toml", "providers.x.key")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("providers.x.key") && e.contains("is not set"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_reference_inside_a_url_is_replaced() {
        let env = Vars::new([("PW", "s3cret")]);
        let url = interpolate(
            "postgres://recon:${PW}@db/books",
            &env,
            "c.toml",
            "store.url",
        )
        .unwrap();
        assert_eq!(url.expose(), "postgres://recon:s3cret@db/books");
        let err =
            interpolate("postgres://recon:${NOPE}@db", &env, "c.toml", "store.url").unwrap_err();
        assert!(err.to_string().contains("`NOPE` is not set"), "{err}");
        assert!(interpolate("postgres://x:${PW@db", &env, "c.toml", "store.url").is_err());
    }

    #[test]
    fn a_password_in_a_url_never_shows() {
        assert_eq!(
            url_without_password("postgres://recon:s3cret@db.internal:5432/books"),
            "postgres://recon:***@db.internal:5432/books"
        );
        assert_eq!(
            url_without_password("sqlite:books/cardrecon.db"),
            "sqlite:books/cardrecon.db"
        );
    }
}
