//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{accounts, approvals, events, health, models, plans, publish, settings, skills, tasks};

#[derive(OpenApi)]
#[openapi(
    info(title = "Miteos API", description = "Hand knowledge work to AI agents: tasks, live events, deliverables."),
    paths(tasks::create, tasks::list, tasks::completed, tasks::get, tasks::cancel, tasks::deliverables, tasks::preview, tasks::download, tasks::bundle, events::stream,
        publish::deploy, publish::deployments, publish::take_down, publish::share, publish::shares, publish::revoke, publish::provenance,
        approvals::list, approvals::decide, tasks::budget,
        plans::edit_plan, plans::retry_subtask, plans::rerun_subtask, plans::cancel_subtask, plans::follow_up,
        skills::list, skills::get, skills::delete, skills::compile, skills::matching, skills::export, skills::import, skills::update,
        skills::archive, skills::keep, skills::validate, skills::versions,
        settings::get, settings::put, settings::agent_types, settings::set_agent_model,
        settings::create_agent_type, settings::update_agent_type, settings::delete_agent_type, settings::tools, settings::mcp_servers, settings::save_mcp_servers,
        models::setup, models::choose, models::catalog, models::downloads, models::start_download, models::pause_download,
        models::cancel_download, models::prices, models::set_price, models::remove_price, models::refresh_prices,
        health::health, health::ready, health::metrics,
        accounts::create, accounts::list, accounts::delete, accounts::me, accounts::share_with_team),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document always encodes")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// docs/openapi.json is the document as the handlers describe it; the War Room's HTTP client
    /// types (ui/src/lib/backend/api.d.ts) are generated from that file.
    #[test]
    fn the_committed_openapi_document_matches_the_handlers() {
        let generated = serde_json::to_string_pretty(&super::openapi_json())
            .expect("the document encodes")
            + "\n";
        miteos_core::bindings::bless_or_compare(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json"),
            &generated,
            "MITEOS_BLESS=1 cargo test --workspace --lib -- openapi` and `npm --prefix ui run api",
        );
    }
}
