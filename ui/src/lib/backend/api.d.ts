// Generated from docs/openapi.json by ui/scripts/api-types.mjs (`npm run api`). Do not edit.

export interface paths {
    "/accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The team's accounts (admins only). */
        get: operations["list_accounts"];
        put?: never;
        /** Makes an account and its API token (admins only). */
        post: operations["create_account"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/accounts/{account_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Deletes an account (admins only): its token stops working; its tasks stay, for admins. */
        delete: operations["delete_account"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/agent-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["agent_types"];
        put?: never;
        /** Adds a user-defined agent type; the planner offers it from the next task on. */
        post: operations["create_agent_type"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/agent-types/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Replaces an agent type's description, system prompt, tools and model (built-ins too). */
        put: operations["update_agent_type"];
        post?: never;
        /** Deletes a user-defined agent type (built-ins: 409). */
        delete: operations["delete_agent_type"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/agent-types/{name}/model": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Makes an agent type use a model of its own, or the task's model again with `null`. */
        put: operations["set_agent_model"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process answers (liveness). No token needed. */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/mcp-servers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The MCP servers (from `DATA_DIR/mcp.json`) with the tools each offers, or why one could not
         *     be started.
         */
        get: operations["mcp_servers"];
        /**
         * Replaces the MCP servers: `[{"name": "files", "command": "npx", "args": […], "env": {…}}`
         *     or `{"name": "remote", "url": "http://…/mcp"}`, each optionally `"trusted": true`.
         */
        put: operations["save_mcp_servers"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who the presented token is. */
        get: operations["me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Metrics in Prometheus's text format: tasks by state, subtasks waiting and running, model calls
         *     in flight per provider and its slots, events journaled.
         */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/catalog": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The catalog of recommended local models, with this machine's small, medium and large picks. */
        get: operations["model_catalog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/choice": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Answers "How should Miteos think?": the model new tasks use (a pasted key is checked with one
         *     cheap call first, then kept in the key store).
         */
        post: operations["choose_model"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/downloads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Model downloads: running (with speed and time left), paused, finished. */
        get: operations["model_downloads"];
        put?: never;
        /**
         * Starts downloading a catalog model (`{"name": …}`) or any GGUF file
         *     (`{"url": …, "name"?: …, "sha256"?: …}`), or resumes a paused download (free disk space is
         *     checked first, the checksum at the end).
         */
        post: operations["start_download"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/downloads/{name}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancels a download and deletes what it had. */
        post: operations["cancel_download"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/downloads/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pauses a running download, keeping what it has. */
        post: operations["pause_download"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/setup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What "How should Miteos think?" offers: API keys found, model servers running here (Ollama,
         *     LM Studio, llama.cpp, vLLM), installed local models, and the model in use.
         */
        get: operations["model_setup"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/prices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every price Miteos costs calls with (USD per million tokens): yours, OpenRouter's (dated),
         *     the built-in table. A model in none of them costs "unknown", never $0.
         */
        get: operations["list_prices"];
        /** Sets your price of a model; calls from now on are costed with it. */
        put: operations["set_price"];
        post?: never;
        /** Forgets your price of a model. */
        delete: operations["remove_price"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/prices/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fetches OpenRouter's current price list (cached with its date). */
        post: operations["refresh_prices"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Miteos takes work: it is not shutting down and its store answers (readiness). No token
         *     needed.
         */
        get: operations["ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Providers (keys only as hints), concurrency, and the API address. */
        get: operations["get_settings"];
        /** Validates and saves every setting at once (nothing is saved when any part is invalid). */
        put: operations["put"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/skills": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The skills, newest first, with their stats (retired ones too). */
        get: operations["list_skills"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/skills/compile": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Compiles completed tasks into skills; answers the skills made or updated (a new version when
         *     the prompt template exists). `400` when named tasks are not completed or make no skill.
         */
        post: operations["compile"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/skills/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Imports an Agent Skills folder, checked as the standard requires (SKILL.md with a valid
         *     `name` and `description`, paths inside the folder, at most 500 files of 5 MB, 20 MB in all):
         *     as JSON (`{files, from}`), or as a .zip / .skill file (any other content type). A standard
         *     skill becomes instructions agents load when their work calls for it (the next version of an
         *     imported skill of its name); a Miteos export becomes its recipe again, `unvalidated` until
         *     `POST /skills/{skill_id}/validate` passes.
         */
        post: operations["import"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/skills/match": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The skill a prompt would run from, with its parameters, or `null`. */
        get: operations["matching"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/skills/{skill_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["get_skill"];
        put?: never;
        post?: never;
        delete: operations["delete"];
        options?: never;
        head?: never;
        /**
         * Renames a skill, enables or disables it, or sets the agent types it is off for; what is left
         *     out stays as it is.
         */
        patch: operations["update"];
        trace?: never;
    };
    "/skills/{skill_id}/archive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The exported folder as a zip, the skill's files under a folder of its name (a `.skill` file
         *     other agents install).
         */
        get: operations["archive"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/skills/{skill_id}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The skill as an Agent Skills folder: an imported one as it came; a compiled one as a
         *     `SKILL.md` another agent can follow (front matter `name`, `description`, `metadata`) and
         *     `references/miteos-skill.json` (the whole recipe).
         */
        get: operations["export"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/skills/{skill_id}/keep": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Keeps a skill the compiler made by itself (it is no longer offered). Discarding it is
         *     `DELETE /skills/{skill_id}`.
         */
        post: operations["keep"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/skills/{skill_id}/validate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Starts a recipe's validation run (an imported skill is `unvalidated` until one passes):
         *     `202` with the skill, a `candidate` until the run ends `active` or `rejected`.
         */
        post: operations["validate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/skills/{skill_id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every version of a skill as it was saved, newest first. */
        get: operations["versions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * History, newest first, optionally narrowed to one state or to tasks containing `q`; pages by
         *     `offset` or by the cursor `before`.
         */
        get: operations["list_tasks"];
        put?: never;
        post: operations["create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/completed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Completed tasks, newest first: the Skill Compiler's input. */
        get: operations["completed"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["get_task"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/approvals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The task's approval requests, oldest first (decided ones too). */
        get: operations["list_approvals"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/approvals/{approval_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Approves or denies a pending request: the waiting call runs, or the agent hears it was denied
         *     and goes on without it. `409` when it was already decided or the task no longer runs; `403`
         *     when a member of a team's server approves a command (only an admin may).
         */
        post: operations["decide"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/budget": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Answers a task paused on its budget: `raise` (it goes on) or `stop` (it ends `cancelled`,
         *     keeping its deliverables). `raise` with `budget` also changes a running task's limits when it
         *     is not paused. `409` when the task is not running, or `stop` when it is not paused; `403` when
         *     a member of a team's server raises past the budget an admin set (Settings).
         */
        post: operations["budget"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stops every agent of the task; answers the task, `cancelled`. A finished task is 409. */
        post: operations["cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/deliverables": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["deliverables"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/deliverables/bundle.zip": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** All of the task's deliverables as one zip. */
        get: operations["bundle"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/deliverables/{deliverable_id}/deploy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Deploys the deliverable to the staging server: an HTML file with the files of its folder it
         *     uses (links, scripts, styles, images), any other file with a viewer page, until it expires.
         *     Answers the deployment with its URL.
         */
        post: operations["deploy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/deliverables/{deliverable_id}/download": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The deliverable's bytes, with its type and file name. */
        get: operations["download"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/deliverables/{deliverable_id}/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A bounded preview: Markdown or text, tables for CSV and spreadsheets, images as data URLs. */
        get: operations["preview"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/deliverables/{deliverable_id}/provenance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The subtasks and sources a deliverable came from. */
        get: operations["provenance"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/deliverables/{deliverable_id}/share": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Creates a public link to the deliverable. The answer's `url` is the only time the link is
         *     shown: only a hash of its token is kept.
         */
        post: operations["share"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/deployments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The task's deployments, newest first; taken-down ones carry `taken_down_at`. */
        get: operations["deployments"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/deployments/{deployment_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Takes a deployment down: its URL answers 404 from then on. */
        delete: operations["take_down"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["stream"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A follow-up message on a completed, failed or cancelled task: it runs again, a revision
         *     adding the subtasks that do what the message asks on top of what is done (same folder,
         *     history and totals). `409` while the task runs.
         */
        post: operations["follow_up"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/plan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Approves the plan waiting for review (applying the edit first, when the body has one), or
         *     applies the edit to a running task's plan, or to a finished task's (which then runs again).
         *     An empty body approves as is. `400` with every problem when the edit does not hold up.
         */
        post: operations["edit_plan"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/shares": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The task's share links (without their tokens), newest first, with access counts. */
        get: operations["shares"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/shares/{share_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revokes a share link: it answers 404 from then on. */
        delete: operations["revoke"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/subtasks/{subtask_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancels one pending or running subtask; the task goes on without it (what depends on it is
         *     cancelled too). `409` when the task is not running or the subtask has ended.
         */
        post: operations["cancel_subtask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/subtasks/{subtask_id}/rerun": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The same as `retry`, named for a completed subtask run again with edited instructions. */
        post: operations["rerun_subtask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/subtasks/{subtask_id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Runs a failed or cancelled subtask again (`retry`) or a finished one (`rerun`), with its
         *     instructions changed as the body says (an empty body keeps them); what depends on it runs
         *     again after it, the rest is kept. A finished task runs again.
         */
        post: operations["retry_subtask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{task_id}/team": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Shares a task with the team, or makes it its owner's alone again (its owner or an admin). */
        post: operations["share_with_team"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tools": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tools agent types can be given. */
        get: operations["tools"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @description A person's account on a team's server. Its API token is shown once, when it is made; only
         *     the token's SHA-256 is kept.
         */
        Account: {
            /** @description Manages accounts and sees every task. */
            admin: boolean;
            /** Format: date-time */
            created_at: string;
            /** @description `acc-<uuid v7 simple>`. */
            id: string;
            name: string;
        };
        AgentModel: {
            /** @description `provider::model`, or `null` for the task's model. */
            model?: string | null;
        };
        /** @description A role an agent plays: data, not code. Built-ins are seeded; users add their own. */
        AgentType: {
            builtin: boolean;
            description: string;
            /**
             * @description `provider::model` the agent switches to for the rest of a subtask when its model keeps
             *     failing (after its retries), if any.
             */
            fallback_model?: string | null;
            /** @description `provider::model` to use instead of the task's model, if any. */
            model?: string | null;
            name: string;
            system_prompt: string;
            /** @description Names of the tools this agent may call. */
            tools: string[];
        };
        /** @description What a user writes for an agent type. */
        AgentTypeInput: {
            /** @description What it is good at: the planner chooses by this. */
            description: string;
            /** @description `provider::model` to switch to when the model keeps failing, or `null`. */
            fallback_model?: string | null;
            /** @description `provider::model` instead of the task's, or `null`. */
            model?: string | null;
            /**
             * @description 2–32 characters: lowercase letters, digits, `-` and `_`, starting with a letter. Ignored
             *     when editing (names do not change).
             */
            name: string;
            system_prompt: string;
            /** @description Tools it may call (see `tools`). */
            tools: string[];
        };
        /** @description Where the local HTTP API listens (takes effect on the next start). */
        ApiAddress: {
            host: string;
            /** Format: int32 */
            port: number;
        };
        /** @description A risky tool call waiting for (or given) the user's decision. */
        Approval: {
            /** @description The call's arguments, as the agent gave them. */
            arguments: Record<string, never>;
            call_id: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            decided_at?: string | null;
            /** @description `ap-<uuid v7 simple>`. */
            id: string;
            /** @description Why it needs approval, in words (e.g. "git is not on the shell allow-list"). */
            reason: string;
            status: components["schemas"]["ApprovalStatus"];
            subtask_id: string;
            task_id: string;
            tool: string;
        };
        /**
         * @description Where an approval request stands.
         * @enum {string}
         */
        ApprovalStatus: "pending" | "approved" | "denied" | "expired";
        /** @description A document given with a task in JSON (`POST /tasks`, a browser's War Room). */
        AttachmentBody: {
            /** @description Its bytes, base64-encoded (standard alphabet). */
            content_base64: string;
            /** @description Its file name, e.g. `brief.pdf`. */
            name: string;
        };
        BTreeMap: {
            [key: string]: string;
        };
        /**
         * @description How a prompt's values were bound to a skill's parameters.
         * @enum {string}
         */
        BoundBy: "pattern" | "model" | "pending";
        /** @description A task's budget: limits on the whole task and on each of its subtasks. */
        Budget: {
            subtask: components["schemas"]["BudgetLimits"];
            task: components["schemas"]["BudgetLimits"];
        };
        BudgetBody: {
            budget?: null | components["schemas"]["BudgetChange"];
            decision: components["schemas"]["BudgetDecision"];
        };
        /** @description Changes to a budget (a task's at creation, or a raise while it runs). */
        BudgetChange: {
            subtask?: null | components["schemas"]["LimitsChange"];
            task?: null | components["schemas"]["LimitsChange"];
        };
        /**
         * @description The user's answer to a pause.
         * @enum {string}
         */
        BudgetDecision: "raise" | "stop";
        /** @description Limits of one scope (the task, or each subtask). `null` means no limit. */
        BudgetLimits: {
            /**
             * Format: int64
             * @description US cents.
             */
            cost_cents?: number | null;
            /**
             * Format: int64
             * @description Wall time in seconds, time spent paused not counted.
             */
            seconds?: number | null;
            /**
             * Format: int64
             * @description Model calls.
             */
            steps?: number | null;
            /**
             * Format: int64
             * @description Input plus output tokens.
             */
            tokens?: number | null;
        };
        /** @description Why a task waits for the user: a limit is nearly reached, or the plan's estimate is above one. */
        BudgetPause: {
            /** @description True when the estimate, not the use so far, is over the limit. */
            estimated: boolean;
            /** Format: int64 */
            limit: number;
            measure: components["schemas"]["Measure"];
            /**
             * @description What happened, in words ("the task used $4.10 of its limit of $5.00 (82%)"); the
             *     question is always: raise the limit, or stop?
             */
            message: string;
            scope: components["schemas"]["BudgetScope"];
            /** Format: date-time */
            since: string;
            /** @description The subtask whose limit it is (subtask scope). */
            subtask_id?: string | null;
            /**
             * Format: int64
             * @description In the measure's unit (tokens, cents, model calls, seconds); for an estimate, the estimate.
             */
            used: number;
        };
        /**
         * @description Whose limit.
         * @enum {string}
         */
        BudgetScope: "task" | "subtask";
        /** @description The catalog for this machine: every model, the machine, and the one Miteos recommends. */
        Catalog: {
            machine: components["schemas"]["Machine"];
            models: components["schemas"]["CatalogEntry"][];
            /** @description Where models are kept (shared by every data directory; `MITEOS_MODELS_DIR` moves it). */
            models_dir: string;
            /** @description The name of the recommended model (the medium pick), if any fits. */
            recommended?: string | null;
        };
        /** @description A catalog model as offered on this machine. */
        CatalogEntry: {
            /** @description The machine has the memory to run it. */
            fits: boolean;
            /** @description Its file is in the models folder. */
            installed: boolean;
            model: components["schemas"]["CatalogModel"];
            /** @description `small`, `medium` or `large` when it is one of the machine's three picks. */
            pick?: string | null;
        };
        /** @description A model of the catalog of recommended local models (`crates/miteos-providers/data/catalog.json` in the repository). */
        CatalogModel: {
            /**
             * Format: int32
             * @description The context length it was trained for, in tokens.
             */
            context: number;
            family: string;
            licence: string;
            /**
             * Format: double
             * @description Memory the model needs to run with its default context, in GB.
             */
            memory_gb: number;
            /** @description The installed file's stem: tasks name the model `local::<name>`. */
            name: string;
            /** @description One line on what it is good for. */
            notes: string;
            /**
             * Format: double
             * @description Billions of parameters.
             */
            parameters_b: number;
            /**
             * @description The publisher's SHA-256 of the file, when it lists one; otherwise the hash is recorded at
             *     the first download and later downloads are checked against it.
             */
            sha256?: string | null;
            /**
             * Format: int64
             * @description The file's size in bytes as the publisher lists it.
             */
            size_bytes: number;
            /** @description "Qwen3 1.7B", as people call it. */
            title: string;
            /** @description How well it calls tools: `good`, `fair`, `poor` or `demo` (cannot do real work). */
            tool_calling: string;
            /** @description Where the GGUF file is downloaded from. */
            url: string;
        };
        CompileBody: {
            /** @description Completed tasks to compile; empty or left out: the newest completed tasks. */
            task_ids?: string[];
        };
        CreatedAccount: {
            account: components["schemas"]["Account"];
            /** @description Its API token: shown this once (only its SHA-256 is kept). */
            token: string;
        };
        /** @enum {string} */
        Decision: "approve" | "deny";
        DecisionBody: {
            decision: components["schemas"]["Decision"];
        };
        /** @description A file an agent produced in the task's folder. */
        Deliverable: {
            /** Format: date-time */
            created_at: string;
            id: string;
            mime_type: string;
            /** @description Path relative to the task folder, `/`-separated. */
            name: string;
            sha256: string;
            /** Format: int64 */
            size_bytes: number;
            /** @description The subtask that last wrote the file. */
            subtask_id?: string | null;
            task_id: string;
        };
        /** @description A deliverable deployed to a staging target: an immutable copy served at its own URL. */
        Deployment: {
            /** Format: int64 */
            bytes: number;
            /** Format: date-time */
            created_at: string;
            deliverable_id: string;
            /**
             * Format: date-time
             * @description When its URL stops answering (404), or `null` for one made before deployments expired.
             */
            expires_at?: string | null;
            /** Format: int64 */
            files: number;
            id: string;
            /**
             * Format: date-time
             * @description Set when the deployment was taken down; its URL then answers 404.
             */
            taken_down_at?: string | null;
            /** @description `local` (Miteos's own staging server) or a remote target's name. */
            target: string;
            task_id: string;
            /** @description Where the deployment is served. */
            url: string;
        };
        /** @description An API key Miteos can use, without the key. */
        DetectedKey: {
            /** @description The model Miteos would use with it. */
            model: string;
            /** @description `openai`, `anthropic` or `openrouter`. */
            provider: string;
            /** @description `environment` or `key store`. */
            source: string;
        };
        /** @description A model server running on this machine. */
        DetectedServer: {
            /** @description `ollama`, `llama.cpp`, `lm-studio`, `vllm` or `openai-compatible`. */
            kind: string;
            /** @description Its models, as `provider::model` (ready for a task's `model`). */
            models: string[];
            /** @description Its address: Ollama's host, or the compatible server's base URL (ending in `/v1`). */
            url: string;
        };
        /** @description A model download and its progress. */
        Download: {
            /**
             * Format: double
             * @description Recent speed, bytes per second.
             */
            bytes_per_second: number;
            /** Format: int64 */
            done_bytes: number;
            /** @description Why it failed. */
            error?: string | null;
            /** @description The model's name (`local::<name>` once installed). */
            name: string;
            /**
             * Format: double
             * @description Time left at that speed.
             */
            seconds_left?: number | null;
            state: components["schemas"]["DownloadState"];
            /** Format: int64 */
            total_bytes?: number | null;
            url: string;
        };
        /**
         * @description What to download: a catalog model by `name`, or any GGUF file by `url` (named after its file
         *     unless `name` says otherwise, checked against `sha256` when given).
         */
        DownloadRequest: {
            name?: string | null;
            sha256?: string | null;
            url?: string | null;
        };
        /**
         * @description Where a download is.
         * @enum {string}
         */
        DownloadState: "running" | "paused" | "complete" | "failed" | "cancelled";
        ErrorBody: {
            error: components["schemas"]["ErrorDetail"];
        };
        ErrorDetail: {
            /**
             * @description Stable, machine-readable: invalid_input, unauthorized, forbidden, not_found, conflict,
             *     too_large, not_configured, provider_error, internal.
             */
            code: string;
            message: string;
            /**
             * @description With `invalid_input` for a plan or an edit of one: each problem, naming the subtask and
             *     the field at fault (`{"subtask": "st-2", "field": "depends_on", "message": …}`).
             */
            problems?: components["schemas"]["PlanProblem"][];
        };
        /** @description What a task is expected to spend, made from its plan before any subtask runs. */
        Estimate: {
            /** Format: int64 */
            cost_cents: number;
            /** @description A model of the plan has no known price: `cost_cents` leaves it out. */
            cost_unknown?: boolean;
            /**
             * Format: int32
             * @description How many of the plan's subtasks were estimated from earlier runs of the same agent type on
             *     the same model (the rest from a typical subtask).
             */
            from_history: number;
            /** Format: int32 */
            subtasks: number;
            /** Format: int64 */
            tokens: number;
        };
        /** @description One journal entry. `seq` is global and strictly increasing; SSE uses it as the event id. */
        Event: components["schemas"]["EventKind"] & {
            /** Format: date-time */
            at: string;
            /** Format: int64 */
            seq: number;
            task_id: string;
            /** Format: int32 */
            version: number;
        };
        EventKind: {
            model: string;
            prompt: string;
            /** @enum {string} */
            type: "task_created";
        } | {
            /** @enum {string} */
            type: "task_started";
        } | {
            /** Format: int32 */
            attempt: number;
            problems: string[];
            /** @enum {string} */
            type: "plan_rejected";
        } | {
            completed: string[];
            /** @enum {string} */
            type: "task_resumed";
        } | {
            /** @description By the skill's template (the prompt is worded as it), or by a short model call. */
            bound_by?: components["schemas"]["BoundBy"];
            /**
             * Format: double
             * @description 0 to 1; 1 when bound by the template.
             */
            confidence?: number;
            name: string;
            parameters: components["schemas"]["BTreeMap"];
            skill_id: string;
            /** @enum {string} */
            type: "skill_applied";
            /** Format: int32 */
            version: number;
        } | {
            /** Format: double */
            confidence: number;
            name: string;
            reason: string;
            skill_id: string;
            /** @enum {string} */
            type: "skill_declined";
        } | {
            reason: string;
            skill_id: string;
            /** @enum {string} */
            type: "skill_abandoned";
        } | {
            /** @description The file of the skill's folder asked for; `None` for its instructions. */
            file?: string | null;
            name: string;
            skill_id: string;
            subtask_id: string;
            /** @enum {string} */
            type: "skill_loaded";
            /** Format: int32 */
            version: number;
        } | {
            subtasks: components["schemas"]["PlannedSubtask"][];
            title: string;
            /** @enum {string} */
            type: "plan_ready";
        } | {
            agent_type: string;
            /** @description `provider::model` its agent runs on ("" in events written before it was recorded). */
            model?: string;
            subtask_id: string;
            /** @enum {string} */
            type: "subtask_started";
        } | {
            subtask_id: string;
            text: string;
            /** @enum {string} */
            type: "agent_output";
        } | {
            arguments: unknown;
            call_id: string;
            subtask_id: string;
            tool: string;
            /** @enum {string} */
            type: "tool_call_started";
        } | {
            call_id: string;
            ok: boolean;
            result: string;
            subtask_id: string;
            tool: string;
            /** @enum {string} */
            type: "tool_call_finished";
        } | {
            /** @description The call's model has no known price: the task's cost is unknown from here on. */
            cost_unknown?: boolean;
            /**
             * Format: double
             * @description The call's cost (0 when its price is unknown: see `cost_unknown`).
             */
            cost_usd: number;
            /** Format: int64 */
            input_tokens: number;
            /** Format: int64 */
            output_tokens: number;
            subtask_id?: string | null;
            /** Format: int64 */
            task_total_cost_cents: number;
            /** Format: int64 */
            task_total_tokens: number;
            /** @enum {string} */
            type: "usage";
        } | {
            /** Format: int32 */
            attempt: number;
            /** Format: int64 */
            delay_ms: number;
            reason: string;
            subtask_id?: string | null;
            /** @enum {string} */
            type: "provider_retry";
        } | {
            from: string;
            reason: string;
            subtask_id: string;
            to: string;
            /** @enum {string} */
            type: "model_fallback";
        } | {
            error?: string | null;
            /**
             * @description The agent's answer when it completed: every attempt's stays here when a rerun
             *     replaces it on the subtask.
             */
            output?: string | null;
            status: components["schemas"]["SubtaskStatus"];
            subtask_id: string;
            /** @enum {string} */
            type: "subtask_finished";
        } | {
            /** @description The child that did the item. */
            child_id: string;
            item: string;
            missing?: string | null;
            sources: string[];
            /** @description The fan-out. */
            subtask_id: string;
            /** @enum {string} */
            type: "item_merged";
            values: string[];
        } | {
            by: components["schemas"]["RevisedBy"];
            diff: components["schemas"]["PlanDiff"];
            reason: string;
            /** Format: int32 */
            revision: number;
            /** @enum {string} */
            type: "plan_revised";
        } | {
            from: string;
            reason: string;
            subtask_id: string;
            to: string;
            /** @enum {string} */
            type: "subtask_reassigned";
        } | {
            /** Format: int32 */
            revision: number;
            /** @enum {string} */
            type: "plan_review_requested";
        } | {
            edited: boolean;
            /** @enum {string} */
            type: "plan_approved";
        } | {
            checked: string[];
            /** @enum {string} */
            type: "result_checked";
            unmet: string[];
        } | {
            follow_up: components["schemas"]["FollowUp"];
            /** @enum {string} */
            type: "follow_up_received";
        } | {
            by: components["schemas"]["RevisedBy"];
            reason: string;
            /** @description Subtasks the task's end had cut short (cancelled), which run again as a new attempt. */
            rerun?: string[];
            /** @enum {string} */
            type: "task_reopened";
        } | {
            approval: components["schemas"]["Approval"];
            /** @enum {string} */
            type: "approval_requested";
        } | {
            approval_id: string;
            status: components["schemas"]["ApprovalStatus"];
            subtask_id: string;
            /** @enum {string} */
            type: "approval_decided";
        } | {
            deliverable: components["schemas"]["Deliverable"];
            /** @enum {string} */
            type: "deliverable_added";
        } | {
            estimate: components["schemas"]["Estimate"];
            /** @enum {string} */
            type: "budget_estimated";
        } | {
            pause: components["schemas"]["BudgetPause"];
            /** @enum {string} */
            type: "budget_paused";
        } | {
            budget: components["schemas"]["Budget"];
            decision: components["schemas"]["BudgetDecision"];
            /** @enum {string} */
            type: "budget_decided";
        } | {
            /** @enum {string} */
            type: "cancel_requested";
        } | {
            /** @description Some calls ran on a model whose price is unknown: the cost counts only the others. */
            cost_unknown?: boolean;
            error?: string | null;
            status: components["schemas"]["TaskStatus"];
            /** Format: int64 */
            total_cost_cents: number;
            /** Format: int64 */
            total_tokens_used: number;
            /** @enum {string} */
            type: "task_finished";
        };
        /**
         * @description How a [`SkillFile`]'s content is written.
         * @enum {string}
         */
        FileEncoding: "utf8" | "base64";
        /** @description A follow-up message on a finished task. */
        FollowUp: {
            /** Format: date-time */
            at: string;
            id: string;
            message: string;
            /**
             * Format: int32
             * @description The revision that planned it, once planned.
             */
            revision?: number | null;
        };
        /**
         * @description A fan-out: "for each item of a list, do this". When its list is known, the orchestrator
         *     expands the subtask into one child per item (a plan revision by `fan_out`), runs them with as
         *     many in flight as the provider allows, and merges what they found into one deliverable.
         */
        ForEach: {
            /** @description What the merged table has a column for, besides the item and its sources. */
            columns?: string[];
            /**
             * @description The merged deliverable: `.xlsx` or `.csv` a table with one row per item, `.md` a
             *     document with one section per item.
             */
            deliverable?: string | null;
            /**
             * @description Where the list is otherwise: a dependency's id (the list in its result) or a file in the
             *     task folder (`inputs/suppliers.csv`: a table's first column, or a text file's lines).
             */
            from?: string | null;
            /** @description The items, when the prompt names them. */
            items?: string[];
        };
        /** @description A key to change: a new value, or `null`/empty to forget the saved one. */
        KeyChange: {
            name: string;
            value?: string | null;
        };
        /** @description Whether a key is set, and where from, without the key itself. */
        KeyState: {
            /** @description Set in the environment (a saved key wins over it). */
            from_env: boolean;
            /** @description The last four characters of the key in use, for recognising it. */
            hint?: string | null;
            /**
             * @description `openai_api_key`, `anthropic_api_key`, `openrouter_api_key`, `brave_api_key` or
             *     `tavily_api_key`.
             */
            name: string;
            /** @description Saved in Miteos's key store. */
            saved: boolean;
        };
        /** @description Changes to some limits; a field left out stays as it is, `null` removes the limit. */
        LimitsChange: {
            /** Format: int64 */
            cost_cents?: number | null;
            /** Format: int64 */
            seconds?: number | null;
            /** Format: int64 */
            steps?: number | null;
            /** Format: int64 */
            tokens?: number | null;
        };
        /** @description An installed local model file. */
        LocalModel: {
            /** @description Too small to do real work (the built-in SmolLM2-135M): a demo of the pipeline. */
            demo: boolean;
            /** @description `local::<name>`. */
            model: string;
            /** Format: int64 */
            size_bytes: number;
        };
        /** @description The machine, as the catalog's recommendations see it. */
        Machine: {
            /** Format: int32 */
            cores: number;
            /**
             * Format: int64
             * @description Free space where models are kept.
             */
            free_disk_bytes?: number | null;
            /** Format: int64 */
            memory_bytes: number;
        };
        /** @description One MCP server: a program spoken to over stdio, or a streamable HTTP endpoint. */
        McpServer: {
            args?: string[];
            /** @description The program to run (stdio), e.g. `npx`. */
            command?: string | null;
            /** @description Environment of the program (of Miteos's own, only `PATH` and `HOME` are passed). */
            env?: {
                [key: string]: string;
            };
            /** @description 1–24 lowercase letters, digits and `-`; its tools are named `NAME__TOOL`. */
            name: string;
            /** @description Run its tools without asking, even those that do not declare themselves read-only. */
            trusted?: boolean;
            /** @description A streamable HTTP endpoint instead of a program. */
            url?: string | null;
        };
        /** @description A server's state for the settings view. */
        McpServerState: {
            /** @description Why it could not be started or listed, or `null`. */
            error?: string | null;
            server: components["schemas"]["McpServer"];
            tools: components["schemas"]["McpToolInfo"][];
        };
        /** @description A tool an MCP server offers, as the catalogue shows it. */
        McpToolInfo: {
            description: string;
            /** @description `server__tool`, the name agent types are given. */
            name: string;
            /** @description The tool says it only reads (it then runs without approval). */
            read_only: boolean;
        };
        /**
         * @description Who a token is on a team's server (`GET /me`): an account, or `null` for the server's own
         *     token (an admin).
         */
        Me: {
            account?: null | components["schemas"]["Account"];
            admin: boolean;
        };
        /**
         * @description What is limited.
         * @enum {string}
         */
        Measure: "tokens" | "cost" | "steps" | "time";
        /** @description The answer to "How should Miteos think?". */
        ModelChoice: {
            /**
             * @description A pasted API key for the model's provider; checked with one cheap call, then saved in
             *     the key store.
             */
            api_key?: string | null;
            /** @description For `openai::` models on a compatible server: its base URL. */
            base_url?: string | null;
            /** @description `provider::model` or `local::<name>`. */
            model: string;
            /** @description For `ollama::` models: Ollama's address. */
            ollama_host?: string | null;
        };
        /** @description What "How should Miteos think?" offers: what the machine already has, and what is chosen now. */
        ModelSetup: {
            /** @description The user has answered the question (Settings → Models asks it again). */
            chosen: boolean;
            /** @description The model new tasks run on now, if any. */
            current?: string | null;
            /** @description The current model is too small for real work. */
            current_is_demo: boolean;
            keys: components["schemas"]["DetectedKey"][];
            local: components["schemas"]["LocalModel"][];
            servers: components["schemas"]["DetectedServer"][];
        };
        NewAccount: {
            /** @description Manages accounts and sees every task (default `false`). */
            admin?: boolean;
            /** @description 1 to 64 characters, unique. */
            name: string;
        };
        NewDeployment: {
            /**
             * Format: int32
             * @description How long its URL answers, in hours: 1 to 8760 (365 days); default 720 (30 days).
             */
            expires_in_hours?: number | null;
        };
        /** @description A follow-up message, as `POST /tasks/{id}/messages` takes it. */
        NewMessage: {
            message: string;
        };
        NewShare: {
            /**
             * Format: int32
             * @description How long the link works, in hours: 1 to 2160 (90 days); default 168 (7 days).
             */
            expires_in_hours?: number | null;
            /** @description Also show how the deliverable was made (plan and steps, secrets redacted). */
            include_replay?: boolean;
        };
        /**
         * @description A new task, as every transport takes it: the JSON body of `POST /tasks`, the app's
         *     `create_task`, the CLI's `run`, and `create_task` itself. Attachments come in the transport's
         *     own form `A` (base64 in JSON, paths picked in the app's open dialog) and are read into
         *     [`Attachment`](super::Attachment)s before the service sees them.
         */
        NewTask_AttachmentBody: {
            /**
             * @description Documents the agents work from (up to 25 MiB together), saved in the task's `inputs/`
             *     folder before it starts.
             */
            attachments?: {
                /** @description Its bytes, base64-encoded (standard alphabet). */
                content_base64: string;
                /** @description Its file name, e.g. `brief.pdf`. */
                name: string;
            }[];
            budget?: null | components["schemas"]["BudgetChange"];
            /** @description `provider::model` for this task instead of the configured default. */
            model?: string | null;
            plan_review?: null | components["schemas"]["PlanReview"];
            /** @description What to do, in plain language. */
            prompt: string;
            /**
             * @description Run from this skill (whatever its status: a validation run uses it), the prompt binding
             *     its parameters, instead of the skill the prompt matches; the prompt must fit its template.
             */
            skill_id?: string | null;
            /** @description `false`: plan the task afresh even when it matches a skill (default `true`). */
            use_skills?: boolean | null;
            workspace_id?: string | null;
        };
        /**
         * @description What quitting does to tasks still running.
         * @enum {string}
         */
        OnQuit: "resume" | "cancel";
        /** @enum {string} */
        ParameterKind: "number" | "text";
        /** @description What a revision did to the plan. */
        PlanDiff: {
            added: components["schemas"]["PlannedSubtask"][];
            /** @description Subtasks as they are after the change. */
            changed: components["schemas"]["PlannedSubtask"][];
            dropped: string[];
            /** @description Subtasks that run again (a new attempt; the old output stays in the journal). */
            rerun: string[];
        };
        /**
         * @description A change to a plan, as the user (plan review, edit) or the orchestrator (recovery, result
         *     check, follow-up) proposes it. Completed subtasks are never changed or dropped by it; they are
         *     rerun only by `rerun`.
         */
        PlanEdit: {
            add?: components["schemas"]["SubtaskAddition"][];
            /** @description Subtasks to change; a failed or cancelled one that is changed runs again. */
            change?: components["schemas"]["SubtaskChange"][];
            /** @description Subtasks to remove from the plan (kept in the store, marked `dropped`). */
            drop?: string[];
            /**
             * @description Completed subtasks to run again (with their changes, if `change` names them too); their
             *     dependants run again after them.
             */
            rerun?: string[];
            /** @description Failed or cancelled subtasks to run again as they are. */
            retry?: string[];
        };
        /**
         * @description One thing wrong with a plan or an edit of it: the subtask and field it is about (when it is
         *     about one), and what a person is told.
         */
        PlanProblem: {
            /** @description The field of it (`title`, `agent_type`, `depends_on`, `status`), when one is at fault. */
            field?: string | null;
            message: string;
            /** @description The subtask (`st-2`), when the problem is one subtask's. */
            subtask?: string | null;
        };
        /**
         * @description When a task's plan waits for the user before it runs: `"never"`, `"always"`, or
         *     `{"over_cents": N}` (when its estimate is over N cents).
         */
        PlanReview: "never" | "always" | {
            /** Format: int64 */
            over_cents: number;
        };
        /** @description One revision of a task's plan (revision 0 is the first plan and is not listed). */
        PlanRevision: {
            /** Format: date-time */
            at: string;
            by: components["schemas"]["RevisedBy"];
            diff: components["schemas"]["PlanDiff"];
            reason: string;
            /** Format: int32 */
            revision: number;
        };
        /** @description How plans are reviewed and revised. */
        PlanSettings: {
            /**
             * Format: int32
             * @description Revisions the orchestrator may make of one task's plan, recovering from failures and
             *     closing the result check's gaps (0 to 10).
             */
            max_revisions: number;
            /**
             * Format: int32
             * @description Model calls in flight at once per provider, over all tasks (1 to 100) — and so how many
             *     items of a fan-out run at once. A local server's own slots (llama.cpp, Ollama) win.
             */
            provider_calls?: number;
            /** @description When a new task's plan waits for the user before it runs (a task may choose otherwise). */
            review: components["schemas"]["PlanReview"];
        };
        /** @description A subtask as the plan announces it. */
        PlannedSubtask: {
            agent_type: string;
            depends_on: string[];
            description: string;
            for_each?: null | components["schemas"]["ForEach"];
            id: string;
            /** @description The item it does, for a fan-out's child. */
            item?: string | null;
            /** @description What it needs tools for (`web`, `spreadsheet`, …); empty in events from before. */
            needs?: string[];
            /** @description The fan-out this subtask does one item of. */
            parent?: string | null;
            title: string;
        };
        Preview: {
            /** @enum {string} */
            kind: "markdown";
            text: string;
            truncated: boolean;
        } | {
            /** @enum {string} */
            kind: "text";
            text: string;
            truncated: boolean;
        } | {
            /** @enum {string} */
            kind: "html";
            text: string;
            truncated: boolean;
        } | {
            /** @enum {string} */
            kind: "table";
            sheets: components["schemas"]["Sheet"][];
            truncated: boolean;
        } | {
            data_url: string;
            /** @enum {string} */
            kind: "image";
        } | {
            /** @enum {string} */
            kind: "none";
            reason: string;
        };
        /** @description One row of the price list, as Settings and `GET /prices` show it. */
        PriceEntry: {
            /** @description When OpenRouter's list was fetched (RFC 3339); `null` for the other sources. */
            fetched_at?: string | null;
            /**
             * Format: double
             * @description USD per million input tokens.
             */
            input: number;
            /** @description `provider::model` (or a bare model name, which matches every provider's model of that name). */
            model: string;
            /**
             * Format: double
             * @description USD per million output tokens.
             */
            output: number;
            /** @description `user`, `openrouter` or `builtin`. */
            source: string;
        };
        /** @description A price the user sets for a model (USD per million tokens). */
        PriceInput: {
            /** Format: double */
            input: number;
            model: string;
            /** Format: double */
            output: number;
        };
        /** @description Where a deliverable came from: the subtasks whose work led to it, and the sources they read. */
        Provenance: {
            /** @description Web pages (URLs) and documents the agents read, in the order they read them. */
            sources: string[];
            subtasks: components["schemas"]["ProvenanceStep"][];
        };
        ProvenanceStep: {
            agent_type: string;
            id: string;
            title: string;
        };
        /** @description Provider fields that are not secret. */
        ProviderSettings: {
            anthropic_base_url?: string | null;
            /** @description Call tools through structured output (for models without native tool calling). */
            emulate_tools?: boolean;
            /**
             * @description `provider::model` for the subtasks of a skill whose recipe leaves the model only the
             *     write-up (used when it costs less than the task's model); unset: the task's model's own
             *     lighter sibling (gpt-4.1 → gpt-4.1-mini, Claude Sonnet → Haiku), if it has one.
             */
            light_model?: string | null;
            /** @description `provider::model` tasks use unless they name one. */
            model?: string | null;
            /** @description Ollama's address, e.g. `http://127.0.0.1:11434`. */
            ollama_host?: string | null;
            /** @description Any OpenAI-compatible server (llama.cpp's llama-server, vLLM, LM Studio). */
            openai_base_url?: string | null;
        };
        /**
         * @description Who revised a plan.
         * @enum {string}
         */
        RevisedBy: "orchestrator" | "user" | "follow_up" | "fan_out";
        /**
         * @description Which search service answers `web_search`.
         * @enum {string}
         */
        SearchKind: "none" | "searxng" | "brave" | "tavily";
        /** @description The web search provider researchers use (its key is one of the keys). */
        SearchSettings: {
            provider: components["schemas"]["SearchKind"];
            /**
             * @description A SearXNG instance's address (required for SearXNG); for Brave and Tavily, a different
             *     endpoint than their public one (a proxy), or `null`.
             */
            url?: string | null;
        };
        Settings: {
            api: components["schemas"]["ApiAddress"];
            /** @description The budget new tasks get unless they change it. */
            budget: components["schemas"]["Budget"];
            /** @description The model new tasks run on, or why there is none. */
            default_model?: string | null;
            default_model_error?: string | null;
            /**
             * @description Hosts (`wiki.corp.example`, `*.corp.example`), addresses and ranges (`10.1.0.0/16`) that
             *     agents' web requests may reach besides the public internet. Empty by default: no agent
             *     reaches this machine, the local network or a cloud's metadata service.
             */
            fetch_allow: string[];
            /** @description Where keys are kept, in words. */
            key_store: string;
            keys: components["schemas"]["KeyState"][];
            /** Format: int32 */
            max_concurrency: number;
            /** @description What quitting Miteos does to running tasks. */
            on_quit: components["schemas"]["OnQuit"];
            /** @description Plan review and revisions. */
            plan: components["schemas"]["PlanSettings"];
            providers: components["schemas"]["ProviderSettings"];
            search: components["schemas"]["SearchSettings"];
            /** @description Why the configured search provider cannot be used (a missing key), or `null`. */
            search_error?: string | null;
            /** @description Programs `run_command` runs without asking; others wait for approval. */
            shell_allow: string[];
            /** @description The Skill Compiler. */
            skills: components["schemas"]["SkillSettings"];
            staging: components["schemas"]["StagingAddress"];
            /**
             * @description Where colleagues on the local network reach them when `staging.lan` is on (after a
             *     restart), or `null` when this machine has no network address.
             */
            staging_lan_url?: string | null;
            /** @description Where deployments and share links are served now (`http://host:port`). */
            staging_url: string;
        };
        SettingsUpdate: {
            api: components["schemas"]["ApiAddress"];
            budget?: null | components["schemas"]["Budget"];
            /** @description Hosts and ranges agents may fetch besides the public web; left out, the list stays as it is. */
            fetch_allow?: string[] | null;
            /** @description Only the keys to change; keys not listed stay as they are. */
            keys?: components["schemas"]["KeyChange"][];
            /** Format: int32 */
            max_concurrency: number;
            on_quit?: null | components["schemas"]["OnQuit"];
            plan?: null | components["schemas"]["PlanSettings"];
            providers: components["schemas"]["ProviderSettings"];
            search?: null | components["schemas"]["SearchSettings"];
            /** @description Programs `run_command` runs without asking; left out, the list stays as it is. */
            shell_allow?: string[] | null;
            skills?: null | components["schemas"]["SkillSettings"];
            staging?: components["schemas"]["StagingAddress"];
        };
        /** @description A public link to one deliverable: unguessable, expiring, revocable, counted. */
        Share: {
            /**
             * Format: int64
             * @description Times the link was opened.
             */
            access_count: number;
            /** Format: date-time */
            created_at: string;
            deliverable_id: string;
            /** Format: date-time */
            expires_at: string;
            id: string;
            /** @description The share page also shows how the deliverable was made (plan and steps, secrets redacted). */
            include_replay: boolean;
            /** Format: date-time */
            revoked_at?: string | null;
            task_id: string;
            /** @description The public link. Only in the answer that creates the share: its token is not stored. */
            url?: string | null;
        };
        Sheet: {
            name: string;
            rows: string[][];
        };
        /**
         * @description A named, reusable procedure: compiled from successful tasks (a recipe), or a standard Agent
         *     Skill's instructions.
         */
        Skill: {
            compatibility?: string | null;
            /** Format: date-time */
            created_at: string;
            description: string;
            /**
             * @description Agent types that may not use it (an instructions skill is not offered to them; a recipe
             *     is not matched while one of its subtasks is theirs).
             */
            disabled_for?: string[];
            /** @description Off: never matched nor offered to an agent. */
            enabled?: boolean;
            /** @description The files kept with it besides `SKILL.md`. */
            files?: components["schemas"]["SkillFileInfo"][];
            /** @description `sk-<uuid v7 simple>`. */
            id: string;
            /** @description An Agent Skill's instructions: its `SKILL.md` without the front matter. */
            instructions?: string;
            kind?: components["schemas"]["SkillKind"];
            /** @description The standard's optional `license` and `compatibility`. */
            license?: string | null;
            name: string;
            /** @description Compiled by itself and not yet kept (or discarded) by the user. */
            offered?: boolean;
            origin?: components["schemas"]["SkillOrigin"];
            /**
             * @description The account it belongs to on a team's server (compiled from their tasks, or imported by
             *     them): only they run it, and only they and admins see it. `null`: the server's own (the
             *     desktop's, or made with the server's token).
             */
            owner?: string | null;
            parameters: components["schemas"]["SkillParameter"][];
            /** @description The prompts it stands for, with `{{parameter}}` placeholders. */
            prompt_template: string;
            /** @description The tasks it was compiled from. */
            source_tasks: string[];
            stats: components["schemas"]["SkillStats"];
            status: components["schemas"]["SkillStatus"];
            subtasks: components["schemas"]["SkillSubtask"][];
            title_template: string;
            validation?: null | components["schemas"]["SkillValidation"];
            /** Format: int32 */
            version: number;
        };
        /**
         * Format: binary
         * @description A .zip or .skill file of an Agent Skills folder.
         */
        SkillArchive: string;
        /** @description One file of a skill folder, its path relative to the folder. */
        SkillFile: {
            content: string;
            /** @description `utf8` when left out. */
            encoding?: components["schemas"]["FileEncoding"];
            path: string;
        };
        /** @description A file kept with a skill besides its `SKILL.md` (`references/`, `scripts/`, `assets/`, …). */
        SkillFileInfo: {
            /** Format: int64 */
            bytes: number;
            path: string;
        };
        /**
         * @description A skill folder (Agent Skills format): its files, paths relative to the folder (or all under
         *     one folder named for the skill).
         */
        SkillFolder: {
            files: components["schemas"]["SkillFile"][];
            /** @description Where it came from (a folder's or file's name), shown in the library. */
            from?: string | null;
        };
        /**
         * @description What a skill is.
         * @enum {string}
         */
        SkillKind: "recipe" | "instructions";
        /** @description A skill a prompt matched, with the parameters bound. */
        SkillMatch: {
            bound_by: components["schemas"]["BoundBy"];
            /**
             * Format: double
             * @description 0 to 1: how sure the matcher is (1 for the template's wording; for a pending match, the
             *     share of the skill's words the prompt has).
             */
            confidence: number;
            name: string;
            parameters: components["schemas"]["BTreeMap"];
            skill_id: string;
        };
        /** @description Where a skill came from. */
        SkillOrigin: {
            automatic?: boolean;
            /** @enum {string} */
            kind: "compiled";
        } | {
            /** Format: date-time */
            at: string;
            from: string;
            /** @enum {string} */
            kind: "imported";
        };
        /** @description Something that varies between runs of a skill. */
        SkillParameter: {
            /** @description The values it had in the tasks the skill was compiled from. */
            examples: string[];
            kind: components["schemas"]["ParameterKind"];
            name: string;
        };
        /** @description A change to a skill; what is left out stays as it is. */
        SkillPatch: {
            /** @description The agent types that may not use it (the whole list). */
            disabled_for?: string[] | null;
            /** @description Off: never matched nor offered to an agent. */
            enabled?: boolean | null;
            /** @description The standard's name: 1–64 lowercase letters, digits and single hyphens. */
            name?: string | null;
        };
        /** @description How the Skill Compiler works by itself. */
        SkillSettings: {
            /**
             * Format: int32
             * @description When this many tasks of one kind have completed from their prompts alone, the compiler
             *     makes a skill of them by itself, validates it and offers it (0: only when asked).
             */
            compile_after: number;
        };
        /** @description How a skill has done. */
        SkillStats: {
            /** Format: double */
            mean_cost_usd: number;
            /** Format: double */
            mean_seconds: number;
            /**
             * Format: double
             * @description Means over the tasks run from it (the source tasks' until it is used).
             */
            mean_tokens: number;
            /** Format: double */
            source_mean_seconds: number;
            /**
             * Format: double
             * @description The source tasks' means, to compare with.
             */
            source_mean_tokens: number;
            /** Format: int64 */
            successes: number;
            /**
             * Format: int64
             * @description Tasks run from it.
             */
            uses: number;
        };
        /** @enum {string} */
        SkillStatus: "candidate" | "active" | "rejected" | "retired" | "unvalidated";
        /** @description A tool call of a recipe. String arguments may hold `{{parameter}}` placeholders. */
        SkillStep: {
            arguments: Record<string, never>;
            /**
             * @description The arguments depend only on the parameters (they were the same, parameters aside, in
             *     every source task) and the tool's result only on its arguments: Miteos runs it itself,
             *     without asking the model.
             */
            replayable: boolean;
            tool: string;
        };
        /** @description One subtask of a skill's plan, with the steps that completed it before. */
        SkillSubtask: {
            agent_type: string;
            depends_on: string[];
            description: string;
            id: string;
            /**
             * @description The recipe allows a lighter model: Miteos replays every step, so the model only writes
             *     up their results. A run gives the subtask the lighter model of the task's (falling back
             *     to the task's own if it fails).
             */
            light?: boolean;
            /**
             * @description Set when the subtask did the same in every source task (no parameter in its brief or
             *     steps, all steps replayable, the same answer): a run replays its steps and reuses this
             *     answer without the model.
             */
            output?: string | null;
            steps: components["schemas"]["SkillStep"][];
            title: string;
        };
        /**
         * @description How a skill's validation run went: the skill run on its newest source task's prompt, judged
         *     against that task.
         */
        SkillValidation: {
            passed: boolean;
            /** @description Why it passed or not, in words. */
            reason: string;
            source_task_id: string;
            /** Format: int64 */
            source_tokens: number;
            /** @description The validation run (a task in the history). */
            task_id: string;
            /** Format: int64 */
            tokens: number;
        };
        /** @description Where the staging and share server listens (takes effect on the next start). */
        StagingAddress: {
            /** @description Listen on the local network, so colleagues can open deployments and share links. */
            lan: boolean;
            /** Format: int32 */
            port: number;
        };
        Subtask: {
            agent_type: string;
            /**
             * Format: int32
             * @description 1 for the first run; one more for every retry or rerun.
             */
            attempt: number;
            /** @description Some of its calls ran on a model whose price is unknown (see `Task::cost_unknown`). */
            cost_unknown?: boolean;
            /** Format: double */
            cost_usd: number;
            depends_on: string[];
            description: string;
            /** @description A revision removed it from the plan; it is kept, but does not run. */
            dropped: boolean;
            error?: string | null;
            /** Format: date-time */
            finished_at?: string | null;
            for_each?: null | components["schemas"]["ForEach"];
            id: string;
            /** @description The item it does, for a fan-out's child. */
            item?: string | null;
            /** @description What it needs tools for (`web`, `spreadsheet`, …), as planned. */
            needs: string[];
            /** @description The agent's final answer; dependants receive it as context. */
            output?: string | null;
            /** @description The fan-out this subtask does one item of. */
            parent?: string | null;
            /**
             * Format: int32
             * @description The plan revision that added the subtask (0: the first plan).
             */
            revision: number;
            /** Format: date-time */
            started_at?: string | null;
            status: components["schemas"]["SubtaskStatus"];
            /**
             * Format: int64
             * @description Model calls the agent made.
             */
            steps: number;
            title: string;
            /** Format: int64 */
            tokens_used: number;
        };
        /**
         * @description A subtask a revision adds. `id` is the name other subtasks of the same edit use for it in
         *     their `depends_on` (e.g. `new-1`); it is stored under the next free `st-N`.
         */
        SubtaskAddition: {
            agent_type: string;
            depends_on?: string[];
            description?: string;
            for_each?: null | components["schemas"]["ForEach"];
            id?: string | null;
            /**
             * @description What the subtask needs its tools for (`web`, `read_files`, `write_files`, `spreadsheet`,
             *     `chart`, `sql`, `command`).
             */
            needs?: string[];
            title: string;
        };
        /**
         * @description A change to one subtask that has not completed (or, for a rerun, has): only the fields given
         *     change.
         */
        SubtaskChange: {
            agent_type?: string | null;
            depends_on?: string[] | null;
            description?: string | null;
            id: string;
            title?: string | null;
        };
        /** @description A subtask's instructions changed for its retry or rerun; fields left out stay as they are. */
        SubtaskEdit: {
            agent_type?: string | null;
            description?: string | null;
            title?: string | null;
        };
        /** @enum {string} */
        SubtaskStatus: "pending" | "running" | "complete" | "failed" | "cancelled";
        /** @description A task as every transport shows it. The first eight fields are the fixed shape of API.md. */
        Task: {
            /** @description The plan waits for the user to approve or edit it. */
            awaiting_review: boolean;
            budget?: null | components["schemas"]["Budget"];
            /**
             * @description Some calls ran on a model whose price is unknown: the cost totals count only the priced
             *     ones, and every view says "cost unknown" (its budget is enforced on tokens).
             */
            cost_unknown?: boolean;
            /** Format: date-time */
            created_at: string;
            /** @description Why the task failed or was cancelled, in words a user can act on. */
            error?: string | null;
            estimate?: null | components["schemas"]["Estimate"];
            /** Format: date-time */
            finished_at?: string | null;
            /** @description Follow-up messages, oldest first (in `GET /tasks/{id}`; empty in lists). */
            follow_ups: components["schemas"]["FollowUp"][];
            id: string;
            /** @description `provider::model` the task runs on. */
            model: string;
            /**
             * @description On a team's server: the account that created the task (`null`: the server's own token,
             *     or before accounts).
             */
            owner?: string | null;
            paused?: null | components["schemas"]["BudgetPause"];
            plan_review?: null | components["schemas"]["PlanReview"];
            prompt: string;
            /**
             * Format: int32
             * @description The plan's current revision: 0 for the first plan, one more for every revision.
             */
            revision: number;
            /** @description The plan's revisions, oldest first (in `GET /tasks/{id}`; empty in lists). */
            revisions: components["schemas"]["PlanRevision"][];
            /** @description On a team's server: the owner shared the task with the team (everyone may see it). */
            shared?: boolean;
            /** @description The skill the task ran from (no planning call), if it did. */
            skill_id?: string | null;
            /** Format: date-time */
            started_at?: string | null;
            status: components["schemas"]["TaskStatus"];
            /**
             * Format: int64
             * @description Model calls the task made (planning included).
             */
            steps: number;
            subtasks: components["schemas"]["Subtask"][];
            title?: string | null;
            /**
             * Format: int64
             * @description The cost in whole cents, rounded up so a task that spent anything never shows 0.
             */
            total_cost_cents: number;
            /**
             * Format: double
             * @description The cost in US dollars, unrounded, for displays that want more than cents.
             */
            total_cost_usd: number;
            /**
             * Format: int64
             * @description Input plus output tokens of every model call the task made (planning included).
             */
            total_tokens_used: number;
            /** @description What the result check found unmet when the task ended (empty when all was met). */
            unmet: string[];
            workspace_id?: string | null;
        };
        /** @enum {string} */
        TaskStatus: "pending" | "running" | "completed" | "failed" | "cancelled";
        TeamShare: {
            /** @description `true`: everyone on the team may see and steer the task; `false`: its owner alone. */
            shared: boolean;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    list_accounts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Account"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create_account: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewAccount"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedAccount"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_account: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    agent_types: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentType"][];
                };
            };
        };
    };
    create_agent_type: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AgentTypeInput"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentType"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update_agent_type: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AgentTypeInput"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentType"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete_agent_type: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    set_agent_model: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AgentModel"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentType"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    mcp_servers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServerState"][];
                };
            };
        };
    };
    save_mcp_servers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["McpServer"][];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["McpServerState"][];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    model_catalog: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Catalog"];
                };
            };
        };
    };
    choose_model: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ModelChoice"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelSetup"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    model_downloads: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Download"][];
                };
            };
        };
    };
    start_download: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DownloadRequest"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Download"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    cancel_download: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Download"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    pause_download: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Download"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    model_setup: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelSetup"];
                };
            };
        };
    };
    list_prices: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PriceEntry"][];
                };
            };
        };
    };
    set_price: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PriceInput"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PriceEntry"][];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    remove_price: {
        parameters: {
            query: {
                /** @description The model whose price of yours to forget. */
                model: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PriceEntry"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    refresh_prices: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PriceEntry"][];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Settings"];
                };
            };
        };
    };
    put: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SettingsUpdate"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Settings"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_skills: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Skill"][];
                };
            };
        };
    };
    compile: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CompileBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Skill"][];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    import: {
        parameters: {
            query?: {
                /** @description The name of the uploaded .zip or .skill file (shown as where the skill came from). */
                file_name?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SkillFolder"];
                "application/zip": components["schemas"]["SkillArchive"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Skill"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    matching: {
        parameters: {
            query: {
                /** @description What the user is typing. */
                prompt: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": null | components["schemas"]["SkillMatch"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_skill: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                skill_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Skill"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                skill_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                skill_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SkillPatch"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Skill"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    archive: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                skill_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description application/zip: <name>/SKILL.md and the rest of the folder */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    export: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                skill_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SkillFolder"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    keep: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                skill_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Skill"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    validate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                skill_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Skill"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    versions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                skill_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Skill"][];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_tasks: {
        parameters: {
            query?: {
                /** @description 1 to 100; default 20. */
                limit?: number;
                offset?: number;
                /** @description Only tasks in this state. */
                status?: components["schemas"]["TaskStatus"];
                /** @description Only tasks whose prompt, title or subtask outputs contain this text. */
                q?: string;
                /**
                 * @description Only tasks older than this task id: the next page after the last task of this one
                 *     (keyset paging; unlike `offset`, unaffected by tasks created meanwhile).
                 */
                before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"][];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewTask_AttachmentBody"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    completed: {
        parameters: {
            query?: {
                /** @description 1 to 100; default 20. */
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"][];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    get_task: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    list_approvals: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Approval"][];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    decide: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                approval_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DecisionBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Approval"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    budget: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BudgetBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    deliverables: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deliverable"][];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    bundle: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description application/zip of every deliverable, paths kept */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    deploy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                deliverable_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewDeployment"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deployment"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    download: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                deliverable_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the file */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    preview: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                deliverable_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Preview"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    provenance: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                deliverable_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Provenance"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    share: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                deliverable_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewShare"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Share"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    deployments: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deployment"][];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    take_down: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                deployment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    stream: {
        parameters: {
            query?: {
                /** @description Replay events with a sequence number above this (the `Last-Event-ID` header wins). */
                after?: number;
            };
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream of Event objects; the SSE id is `seq`, the SSE event name is `type` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    follow_up: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewMessage"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    edit_plan: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PlanEdit"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    shares: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Share"][];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    revoke: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                share_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    cancel_subtask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                subtask_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    rerun_subtask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                subtask_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SubtaskEdit"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    retry_subtask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
                subtask_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SubtaskEdit"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    share_with_team: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TeamShare"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
        };
    };
    tools: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": string[];
                };
            };
        };
    };
}
