//! `cardrecon user`: the people who sign in to the workspace, kept in the store. `add` and
//! `set-password` read the password from the terminal without echo (twice), or one line from
//! standard input with `--password-stdin` (for scripts); it is hashed (Argon2id) and never
//! printed, logged or kept as text.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::args::{now_text, out, runtime, StoreArgs};
use crate::error::{Error, Result};
use crate::store::users::{Role, User};

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user with a role (viewer, preparer, approver, admin).
    Add {
        #[command(flatten)]
        store: StoreArgs,
        name: String,
        #[arg(long)]
        role: String,
        /// Read the password from one line of standard input instead of the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Every user with their role and whether they may sign in.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Stop a user from signing in (the last enabled admin cannot be).
    Disable {
        #[command(flatten)]
        store: StoreArgs,
        name: String,
    },
    /// Set a user's password.
    SetPassword {
        #[command(flatten)]
        store: StoreArgs,
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give a user another role (the last enabled admin keeps theirs).
    SetRole {
        #[command(flatten)]
        store: StoreArgs,
        name: String,
        role: String,
    },
}

fn role(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| {
        Error::input(
            "role",
            format!("`{text}` is not one of viewer, preparer, approver, admin"),
        )
    })
}

/// The password: one line of standard input, or typed twice on the terminal without echo.
fn password(name: &str, from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| Error::io("standard input", e))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(Error::input(
            "password",
            "no terminal to type it on: pass --password-stdin and give it on standard input",
        ));
    }
    let first = rpassword::prompt_password(format!("Password for {name}: "))
        .map_err(|e| Error::io("the terminal", e))?;
    let again =
        rpassword::prompt_password("The same again: ").map_err(|e| Error::io("the terminal", e))?;
    if first != again {
        return Err(Error::input("password", "the two passwords differ"));
    }
    Ok(first)
}

fn line(u: &User) -> String {
    format!(
        "{:<24} {:<9} {:<8} since {}",
        u.name,
        u.role.as_str(),
        if u.enabled { "enabled" } else { "disabled" },
        u.created_at
    )
}

pub fn run(a: UserArgs) -> Result<ExitCode> {
    let by = crate::pipeline::stored::os_user();
    let at = now_text();
    let text = runtime()?.block_on(async {
        match a.command {
            UserCommand::Add {
                store,
                name,
                role: r,
                password_stdin,
            } => {
                let r = role(&r)?;
                let pw = password(&name, password_stdin)?;
                let store = store.create_for_decisions().await?;
                let u = store.add_user(&name, r, &pw, &by, &at).await?;
                Ok::<_, Error>(format!("added {}\n", line(&u)))
            }
            UserCommand::List { store } => {
                let users = store.open().await?.users().await?;
                let mut text: String = users.iter().map(|u| line(u) + "\n").collect();
                text.push_str(&format!(
                    "{} user{}\n",
                    users.len(),
                    if users.len() == 1 { "" } else { "s" }
                ));
                Ok(text)
            }
            UserCommand::Disable { store, name } => {
                let store = store.open_for_users().await?;
                let u = store.disable_user(&name, &by, &at).await?;
                Ok(format!("disabled {}\n", line(&u)))
            }
            UserCommand::SetPassword {
                store,
                name,
                password_stdin,
            } => {
                let pw = password(&name, password_stdin)?;
                let store = store.open_for_users().await?;
                let u = store.set_password(&name, &pw, &by, &at).await?;
                Ok(format!("password set for {}\n", line(&u)))
            }
            UserCommand::SetRole {
                store,
                name,
                role: r,
            } => {
                let r = role(&r)?;
                let store = store.open_for_users().await?;
                let u = store.set_role(&name, r, &by, &at).await?;
                Ok(format!("role set: {}\n", line(&u)))
            }
        }
    })?;
    out(&text)?;
    Ok(ExitCode::SUCCESS)
}
