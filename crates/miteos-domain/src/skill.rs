//! What the event journal says of skills: the values a prompt bound to a skill's parameters,
//! and how they were bound. The skills themselves are the skills crate's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A value of a parameter, by name.
pub type Bindings = BTreeMap<String, String>;

/// How a prompt's values were bound to a skill's parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BoundBy {
    /// The prompt is worded as the skill's template: certain, and free.
    #[default]
    Pattern,
    /// Worded otherwise; a short model call judged it the same kind of task and bound them.
    Model,
    /// Worded otherwise and close to the skill: a short model call decides when the task runs
    /// (the parameters are not bound yet).
    Pending,
}
