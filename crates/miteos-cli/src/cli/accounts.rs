//! `miteos accounts`: people on a team's server — list, add (prints the new account's token,
//! once), remove. Run on the server's machine (its data directory and database): an admin's
//! work, like the server's own token.

use miteos_core::service::Caller;
use miteos_core::{Error, Miteos};

#[derive(clap::Subcommand)]
pub enum AccountsCommand {
    /// The accounts, by name.
    List,
    /// Make an account; prints its API token (shown this once).
    Add {
        name: String,
        /// It manages accounts and sees every task.
        #[arg(long)]
        admin: bool,
    },
    /// Delete an account (by id or name): its token stops working; its tasks stay.
    Remove { account: String },
}

pub async fn run(miteos: &Miteos, command: AccountsCommand) -> Result<(), Error> {
    let caller = Caller::Server;
    match command {
        AccountsCommand::List => {
            let accounts = miteos.accounts(&caller).await?;
            if accounts.is_empty() {
                println!("No accounts yet: `miteos accounts add NAME` makes one.");
            }
            for account in accounts {
                println!(
                    "{}  {}{}  since {}",
                    account.id,
                    account.name,
                    if account.admin { " (admin)" } else { "" },
                    account.created_at.format("%Y-%m-%d")
                );
            }
        }
        AccountsCommand::Add { name, admin } => {
            let (account, token) = miteos.create_account(&caller, &name, admin).await?;
            println!(
                "{}  {}{}",
                account.id,
                account.name,
                if admin { " (admin)" } else { "" }
            );
            println!("Token: {token}");
            println!("Give it to {} now: only its hash is kept.", account.name);
        }
        AccountsCommand::Remove { account } => {
            let id = match miteos
                .accounts(&caller)
                .await?
                .into_iter()
                .find(|a| a.id == account || a.name == account)
            {
                Some(found) => found.id,
                None => return Err(Error::NotFound(format!("no account {account:?}"))),
            };
            miteos.delete_account(&caller, &id).await?;
            println!("Removed {account}: its token no longer works.");
        }
    }
    Ok(())
}
