//! The pages of the admin app.

mod account;
mod audit;
mod edit;
mod login;
mod notifications;
mod security;
mod tokens;
mod users;
mod wizard;

pub use account::AccountPage;
pub use audit::AuditPage;
pub use edit::EditPage;
pub use login::LoginPage;
pub use notifications::NotificationsPage;
pub use security::SecurityPage;
pub use tokens::TokensPage;
pub use users::UsersPage;
pub use wizard::{DraftMemory, WizardPage};
