//! A new task as every transport takes it.

/// A new task, as every transport takes it: the JSON body of `POST /tasks`, the app's
/// `create_task`, the CLI's `run`, and `create_task` itself. Attachments come in the transport's
/// own form `A` (base64 in JSON, paths picked in the app's open dialog) and are read into
/// [`Attachment`](super::Attachment)s before the service sees them.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTask<A> {
    /// What to do, in plain language.
    pub prompt: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub workspace_id: Option<String>,
    /// `provider::model` for this task instead of the configured default.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub model: Option<String>,
    /// Documents the agents work from (up to 25 MiB together), saved in the task's `inputs/`
    /// folder before it starts.
    #[serde(default = "Vec::new")]
    pub attachments: Vec<A>,
    /// Changes to the default budget (Settings) for this task, e.g.
    /// `{"task": {"cost_cents": 100}}`; a limit set to `null` is removed.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub budget: Option<crate::budget::BudgetChange>,
    /// `false`: plan the task afresh even when it matches a skill (default `true`).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub use_skills: Option<bool>,
    /// Run from this skill (whatever its status: a validation run uses it), the prompt binding
    /// its parameters, instead of the skill the prompt matches; the prompt must fit its template.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub skill_id: Option<String>,
    /// When the plan waits for the user before it runs (`"never"`, `"always"`,
    /// `{"over_cents": N}`); left out, the setting decides.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub plan_review: Option<crate::domain::plan::PlanReview>,
    /// On a team's server: the account creating it (set by the server from the caller's
    /// token, never read from a request).
    #[serde(skip)]
    #[ts(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub owner: Option<String>,
    /// On a team's server: a member's task, whose budget may not go past the default budget an
    /// admin set (set by the server from the caller, never read from a request).
    #[serde(skip)]
    #[ts(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub bounded: bool,
}

impl<A> NewTask<A> {
    /// The same task with its attachments in another form (read from disk, decoded).
    pub fn with_attachments<B>(self, attachments: Vec<B>) -> NewTask<B> {
        NewTask {
            prompt: self.prompt,
            workspace_id: self.workspace_id,
            model: self.model,
            attachments,
            budget: self.budget,
            use_skills: self.use_skills,
            skill_id: self.skill_id,
            plan_review: self.plan_review,
            owner: self.owner,
            bounded: self.bounded,
        }
    }

    /// The task opted out of skills.
    pub fn skips_skills(&self) -> bool {
        self.use_skills == Some(false)
    }
}
