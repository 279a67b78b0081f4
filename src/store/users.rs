//! The people who sign in to the workspace (`users`, migration 5): a name, a role and an
//! Argon2id password hash (RustCrypto's `password-auth`, with its recommended parameters).
//! Nothing else about a password is kept, and no command or page ever shows a hash.
//!
//! **Why roles are a ladder.** A viewer reads; a preparer also proposes decisions; an approver
//! also approves other people's proposals and closes periods; an admin also manages users.
//! Each role can do what the one below it can, so a route checks one minimum role.
//!
//! **Why the last admin is kept.** A store whose every admin is disabled or demoted can no
//! longer be managed from the workspace: disabling or demoting the last enabled admin is
//! refused.
//!
//! Every change is an event (no item, `user …`), in the same transaction, taking the store's
//! write turn like any decision.

use super::write::insert_events;
use super::{Event, Store};
use crate::error::{Error, Result};

/// What a user may do, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Preparer,
    Approver,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Preparer, Role::Approver, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Preparer => "preparer",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// A user as commands and pages show them: never the password or its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    pub created_at: String,
    pub changed_at: String,
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A user name: 1 to 64 letters, digits, `.`, `_`, `-` or `@` (an email address works).
fn check_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a user name (1 to 64 letters, digits, `.`, `_`, `-` or `@`)"
        ))
    }
}

fn check_password(password: &str) -> std::result::Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    Ok(())
}

/// A new password: 20 letters and digits (no look-alikes) from the operating system's
/// generator, for a user an admin adds in the workspace and the demo's people.
pub fn generated_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

/// A change to a user, as the event log says it.
fn user_event(what: &str, name: &str, note: String, by: &str, at: &str) -> Event {
    Event {
        note: Some(format!("{name}: {note}")),
        ..Event::new(what, by, at)
    }
}

impl Store {
    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(
            "SELECT name, role, enabled, created_at, changed_at FROM users ORDER BY name",
        )
        .fetch_all(self.pool())
        .await
        .map_err(|e| self.db_err("reading users", e))?;
        rows.iter().map(|r| self.user_from_row(r)).collect()
    }

    /// One user, if there is one by that name (by its key: sign-in asks for one, not all).
    pub async fn user(&self, name: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT name, role, enabled, created_at, changed_at FROM users WHERE name = $1",
        )
        .bind(name.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(|e| self.db_err("reading users", e))?;
        row.map(|r| self.user_from_row(&r)).transpose()
    }

    fn user_from_row(&self, r: &sqlx::any::AnyRow) -> Result<User> {
        use sqlx::Row;
        let text = |c: &str| {
            r.try_get::<String, _>(c)
                .map_err(|e| self.db_err(&format!("users.{c}"), e))
        };
        let role = text("role")?;
        Ok(User {
            name: text("name")?,
            role: Role::parse(&role)
                .ok_or_else(|| self.err(format!("users.role: `{role}` is not a role")))?,
            enabled: r
                .try_get::<i64, _>("enabled")
                .map_err(|e| self.db_err("users.enabled", e))?
                != 0,
            created_at: text("created_at")?,
            changed_at: text("changed_at")?,
        })
    }

    /// Adds a user with a role and a password (hashed here; the text is not kept).
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        password: &str,
        by: &str,
        at: &str,
    ) -> Result<User> {
        check_name(name).map_err(|m| Error::input("user name", m))?;
        check_password(password).map_err(|m| Error::input("password", m))?;
        let hash = password_auth::generate_hash(password);
        self.retrying(|| async {
            let generation = self.generation().await?;
            if self.user(name).await?.is_some() {
                return Err(self.err(format!("there is already a user {name}")));
            }
            let mut tx = self.write_turn(generation).await?;
            sqlx::query(
                "INSERT INTO users (name, role, password_hash, enabled, created_at, changed_at) VALUES ($1, $2, $3, 1, $4, $4)",
            )
            .bind(name.to_string())
            .bind(role.as_str().to_string())
            .bind(hash.clone())
            .bind(at.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db_err("adding the user", e))?;
            let event = user_event("user added", name, format!("as {}", role.as_str()), by, at);
            insert_events(self, &mut tx, &self.stamped(&[event])).await?;
            tx.commit()
                .await
                .map_err(|e| self.db_err("committing the user", e))
        })
        .await?;
        self.written_user(name).await
    }

    /// The user a change just wrote, as the store now holds them.
    async fn written_user(&self, name: &str) -> Result<User> {
        self.user(name)
            .await?
            .ok_or_else(|| self.err(format!("user {name} was not written")))
    }

    /// Whether `password` is `name`'s: the user when it is and they are enabled. An unknown
    /// name and a wrong password answer alike (`None`).
    pub async fn verify_password(&self, name: &str, password: &str) -> Result<Option<User>> {
        use sqlx::Row;
        let row = sqlx::query("SELECT password_hash FROM users WHERE name = $1 AND enabled = 1")
            .bind(name.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(|e| self.db_err("reading users", e))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let hash: String = row
            .try_get("password_hash")
            .map_err(|e| self.db_err("users.password_hash", e))?;
        if password_auth::verify_password(password, &hash).is_err() {
            return Ok(None);
        }
        self.user(name).await
    }

    /// Disables a user (they can no longer sign in). The last enabled admin cannot be.
    pub async fn disable_user(&self, name: &str, by: &str, at: &str) -> Result<User> {
        self.change_user(name, by, at, |u, admins| {
            if !u.enabled {
                return Err(format!("{name} is already disabled"));
            }
            if u.role == Role::Admin && admins <= 1 {
                return Err(format!(
                    "{name} is the last enabled admin: add or enable another admin first"
                ));
            }
            Ok((
                "user disabled",
                "enabled = 0".to_string(),
                None,
                "disabled".to_string(),
            ))
        })
        .await
    }

    /// Gives a user another role. The last enabled admin keeps theirs.
    pub async fn set_role(&self, name: &str, role: Role, by: &str, at: &str) -> Result<User> {
        self.change_user(name, by, at, |u, admins| {
            if u.role == Role::Admin && role != Role::Admin && u.enabled && admins <= 1 {
                return Err(format!(
                    "{name} is the last enabled admin: add or enable another admin first"
                ));
            }
            Ok((
                "user role changed",
                "role = $3".to_string(),
                Some(role.as_str().to_string()),
                format!("{} → {}", u.role.as_str(), role.as_str()),
            ))
        })
        .await
    }

    /// Sets a user's password (hashed here; the text is not kept).
    pub async fn set_password(
        &self,
        name: &str,
        password: &str,
        by: &str,
        at: &str,
    ) -> Result<User> {
        check_password(password).map_err(|m| Error::input("password", m))?;
        let hash = password_auth::generate_hash(password);
        self.change_user(name, by, at, |_, _| {
            Ok((
                "user password changed",
                "password_hash = $3".to_string(),
                Some(hash.clone()),
                "password set".to_string(),
            ))
        })
        .await
    }

    /// One change to an existing user, in the store's write turn: `decide` sees the user and
    /// the count of enabled admins and answers the event's name, the SET clause (one
    /// constant of this module, with `$3` for `value`), the value, and the event's words; or
    /// why the change is refused.
    async fn change_user(
        &self,
        name: &str,
        by: &str,
        at: &str,
        decide: impl Fn(
            &User,
            usize,
        )
            -> std::result::Result<(&'static str, String, Option<String>, String), String>,
    ) -> Result<User> {
        self.retrying(|| async {
            let generation = self.generation().await?;
            let users = self.users().await?;
            let user = users
                .iter()
                .find(|u| u.name == name)
                .ok_or_else(|| self.err(format!("no user {name} (see `cardrecon user list`)")))?;
            let admins = users
                .iter()
                .filter(|u| u.enabled && u.role == Role::Admin)
                .count();
            let (what, set, value, words) = decide(user, admins).map_err(|m| self.err(m))?;
            let mut tx = self.write_turn(generation).await?;
            // `set` is one of this module's constant clauses; values go in as parameters.
            let sql = format!("UPDATE users SET {set}, changed_at = $2 WHERE name = $1");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(name.to_string())
                .bind(at.to_string());
            if let Some(v) = value {
                q = q.bind(v);
            }
            q.execute(&mut *tx)
                .await
                .map_err(|e| self.db_err("changing the user", e))?;
            // Disabling a user or changing their password ends their workspace sessions at
            // once, in the same transaction (`store::sessions`).
            if what != "user role changed" {
                sqlx::query("DELETE FROM sessions WHERE user_name = $1")
                    .bind(name.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.db_err("ending the user's sessions", e))?;
            }
            let event = user_event(what, name, words, by, at);
            insert_events(self, &mut tx, &self.stamped(&[event])).await?;
            tx.commit()
                .await
                .map_err(|e| self.db_err("committing the user", e))
        })
        .await?;
        self.written_user(name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_a_ladder() {
        assert!(Role::Viewer < Role::Preparer && Role::Preparer < Role::Approver);
        assert!(Role::Approver < Role::Admin);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn names_and_passwords_are_checked() {
        assert!(check_name("ana").is_ok() && check_name("ana.lopez@example.com").is_ok());
        assert!(check_name("").is_err() && check_name("a b").is_err());
        assert!(check_name("<script>").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("long enough passphrase").is_ok());
    }
}
