//! A scripted model server: wiremock answering OpenAI chat-completions and Anthropic messages
//! requests with recorded-format SSE streams. Tests script it with rules (which request gets which
//! reply); nothing about the answers lives in the code under test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Clone, Copy, PartialEq)]
pub enum Dialect {
    OpenAi,
    Anthropic,
}

#[derive(Clone)]
pub enum Reply {
    Text(String),
    /// (tool name, arguments) — several are sent as parallel calls.
    ToolCalls(Vec<(String, Value)>),
    /// One tool call whose arguments are sent as this text, JSON or not.
    RawToolCall(String, String),
    /// An HTTP error, with an optional Retry-After in seconds.
    Status(u16, Option<u64>),
}

pub fn tool(name: &str, args: Value) -> (String, Value) {
    (name.to_owned(), args)
}

type Predicate = Box<dyn Fn(&str) -> bool + Send + Sync>;

struct Rule {
    when: Predicate,
    reply: Reply,
    delay: Duration,
    /// How many more times this rule may answer; `None` is forever.
    remaining: Option<usize>,
}

/// A failure the server injects instead of answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// 429 with `Retry-After: 1`.
    RateLimited,
    /// 500.
    ServerError,
    /// No answer for this long (longer than the client waits).
    Timeout(Duration),
    /// A stream that breaks off in the middle of a chunk.
    CutStream,
    /// A tool call whose arguments are not valid JSON.
    MalformedToolCall,
}

/// Injects a fault into `rate` of the requests, chosen by a seeded generator (so a failing run
/// can be replayed), the kinds taken in turn.
struct Injector {
    rate: f64,
    state: u64,
    kinds: Vec<Fault>,
    next_kind: usize,
    injected: Vec<Fault>,
}

impl Injector {
    fn roll(&mut self) -> Option<Fault> {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let r = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        if (r as f64 / (1u64 << 53) as f64) >= self.rate {
            return None;
        }
        let fault = self.kinds[self.next_kind % self.kinds.len()];
        self.next_kind += 1;
        self.injected.push(fault);
        Some(fault)
    }
}

/// The rules, first match wins; requests that match none get a 400 that names them.
#[derive(Clone, Default)]
pub struct Script {
    rules: Arc<Mutex<Vec<Rule>>>,
    requests: Arc<Mutex<Vec<String>>>,
    /// When each request arrived, in order.
    arrivals: Arc<Mutex<Vec<std::time::Instant>>>,
    faults: Arc<Mutex<Option<Injector>>>,
}

impl Script {
    pub fn on(&self, when: impl Fn(&str) -> bool + Send + Sync + 'static, reply: Reply) -> &Self {
        self.push(when, reply, Duration::ZERO, None)
    }

    pub fn once(&self, when: impl Fn(&str) -> bool + Send + Sync + 'static, reply: Reply) -> &Self {
        self.push(when, reply, Duration::ZERO, Some(1))
    }

    pub fn slow(
        &self,
        when: impl Fn(&str) -> bool + Send + Sync + 'static,
        reply: Reply,
        delay: Duration,
    ) -> &Self {
        self.push(when, reply, delay, None)
    }

    /// [`Self::slow`] for the first matching request only.
    pub fn slow_once(
        &self,
        when: impl Fn(&str) -> bool + Send + Sync + 'static,
        reply: Reply,
        delay: Duration,
    ) -> &Self {
        self.push(when, reply, delay, Some(1))
    }

    fn push(
        &self,
        when: impl Fn(&str) -> bool + Send + Sync + 'static,
        reply: Reply,
        delay: Duration,
        remaining: Option<usize>,
    ) -> &Self {
        self.rules.lock().unwrap().push(Rule {
            when: Box::new(when),
            reply,
            delay,
            remaining,
        });
        self
    }

    /// From now on, `rate` of the requests (0.0–1.0) get one of `kinds` (in turn) instead of
    /// their scripted answer; the choice of requests follows `seed`.
    pub fn inject_faults(&self, rate: f64, seed: u64, kinds: &[Fault]) {
        *self.faults.lock().unwrap() = Some(Injector {
            rate,
            state: seed.max(1),
            kinds: kinds.to_vec(),
            next_kind: 0,
            injected: Vec::new(),
        });
    }

    /// The faults injected so far, in order.
    pub fn injected(&self) -> Vec<Fault> {
        self.faults
            .lock()
            .unwrap()
            .as_ref()
            .map(|f| f.injected.clone())
            .unwrap_or_default()
    }

    fn fault(&self) -> Option<Fault> {
        self.faults
            .lock()
            .unwrap()
            .as_mut()
            .and_then(Injector::roll)
    }

    /// Bodies of every model request received, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// When each model request arrived, in order.
    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        self.arrivals.lock().unwrap().clone()
    }

    fn answer(&self, body: &str) -> Option<(Reply, Duration)> {
        self.requests.lock().unwrap().push(body.to_owned());
        self.arrivals
            .lock()
            .unwrap()
            .push(std::time::Instant::now());
        let mut rules = self.rules.lock().unwrap();
        for rule in rules.iter_mut() {
            if rule.remaining == Some(0) || !(rule.when)(body) {
                continue;
            }
            if let Some(n) = rule.remaining.as_mut() {
                *n -= 1;
            }
            return Some((rule.reply.clone(), rule.delay));
        }
        None
    }
}

// Predicates over the raw request body.

/// The planner's request (it offers the submit_plan tool).
pub fn planner(body: &str) -> bool {
    body.contains("\"submit_plan\"")
}

/// The result check's request (it offers the submit_check tool).
pub fn checker(body: &str) -> bool {
    body.contains("\"submit_check\"")
}

/// A plan revision's request (it offers the revise_plan tool).
pub fn reviser(body: &str) -> bool {
    body.contains("\"revise_plan\"")
}

/// The planner's request after a rejected plan.
pub fn planner_repair(body: &str) -> bool {
    planner(body) && body.contains("The plan was rejected")
}

/// An agent request for subtask `id` (e.g. "st-1") before any tool result.
pub fn agent_first(id: &'static str) -> impl Fn(&str) -> bool {
    move |body| {
        !planner(body)
            && body.contains(&format!("Your part of it ({id})"))
            && !body.contains("<tool_result")
    }
}

/// An agent request for subtask `id` after its tools answered.
pub fn agent_after_tools(id: &'static str) -> impl Fn(&str) -> bool {
    move |body| {
        !planner(body)
            && body.contains(&format!("Your part of it ({id})"))
            && body.contains("<tool_result")
    }
}

/// Usage every scripted answer reports.
pub const PROMPT_TOKENS: i64 = 1000;
pub const COMPLETION_TOKENS: i64 = 500;

struct Responder {
    script: Script,
    dialect: Dialect,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        if let Some(fault) = self.script.fault() {
            return self.inject(fault);
        }
        let Some((reply, delay)) = self.script.answer(&body) else {
            return ResponseTemplate::new(400).set_body_string(format!(
                "no scripted reply for: {}",
                &body[..body.len().min(400)]
            ));
        };
        let template = match reply {
            Reply::Status(code, retry_after) => {
                let mut t = ResponseTemplate::new(code)
                    .set_body_json(json!({"error": {"message": format!("scripted {code}"), "type": "server_error"}}));
                if let Some(s) = retry_after {
                    t = t.insert_header("retry-after", s.to_string().as_str());
                }
                t
            }
            reply => ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_raw(
                    match self.dialect {
                        Dialect::OpenAi => openai_stream(&reply),
                        Dialect::Anthropic => anthropic_stream(&reply),
                    },
                    "text/event-stream",
                ),
        };
        template.set_delay(delay)
    }
}

impl Responder {
    fn inject(&self, fault: Fault) -> ResponseTemplate {
        let stream = |body: String| {
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_raw(body, "text/event-stream")
        };
        match fault {
            Fault::RateLimited => ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"message": "injected rate limit", "type": "rate_limit_error"}})),
            Fault::ServerError => ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"message": "injected failure", "type": "server_error"}})),
            Fault::Timeout(after) => ResponseTemplate::new(500).set_delay(after),
            Fault::CutStream => {
                let whole = match self.dialect {
                    Dialect::OpenAi => openai_stream(&Reply::Text("An answer that never ends".into())),
                    Dialect::Anthropic => {
                        anthropic_stream(&Reply::Text("An answer that never ends".into()))
                    }
                };
                // Broken off in the middle of an event, before the usage and the end.
                let cut = whole.len() / 2;
                stream(whole[..cut].to_owned())
            }
            Fault::MalformedToolCall => {
                // The arguments' JSON lacks its closing brace.
                let call = Reply::RawToolCall("write_file".into(), r#"{"path": "x.md""#.into());
                stream(match self.dialect {
                    Dialect::OpenAi => openai_stream(&call),
                    Dialect::Anthropic => anthropic_stream(&call),
                })
            }
        }
    }
}

/// Starts the fake model server for a dialect, plus fixture pages under `/pages/…`.
pub async fn start(dialect: Dialect, script: &Script) -> MockServer {
    let server = MockServer::start().await;
    let endpoint = match dialect {
        Dialect::OpenAi => "/v1/chat/completions",
        Dialect::Anthropic => "/v1/messages",
    };
    Mock::given(method("POST"))
        .and(path(endpoint))
        .respond_with(Responder {
            script: script.clone(),
            dialect,
        })
        .mount(&server)
        .await;
    server
}

fn data(v: Value) -> String {
    format!("data: {v}\n\n")
}

fn split_in_three(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let third = chars.len().div_ceil(3).max(1);
    chars.chunks(third).map(|c| c.iter().collect()).collect()
}

/// A reply's tool calls as (name, arguments text).
fn raw_calls(reply: &Reply) -> Vec<(String, String)> {
    match reply {
        Reply::ToolCalls(calls) => calls
            .iter()
            .map(|(name, args)| (name.clone(), args.to_string()))
            .collect(),
        Reply::RawToolCall(name, args) => vec![(name.clone(), args.clone())],
        _ => Vec::new(),
    }
}

fn openai_stream(reply: &Reply) -> String {
    let chunk = |delta: Value, finish: Value| {
        data(
            json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4.1-mini",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}),
        )
    };
    let mut out = String::new();
    let finish = match reply {
        Reply::Text(text) => {
            out.push_str(&chunk(
                json!({"role": "assistant", "content": ""}),
                Value::Null,
            ));
            for piece in split_in_three(text) {
                out.push_str(&chunk(json!({"content": piece}), Value::Null));
            }
            "stop"
        }
        Reply::ToolCalls(_) | Reply::RawToolCall(..) => {
            for (i, (name, args)) in raw_calls(reply).iter().enumerate() {
                out.push_str(&chunk(
                    json!({"role": "assistant", "tool_calls": [{"index": i, "id": format!("call_{i}"), "type": "function",
                            "function": {"name": name, "arguments": ""}}]}),
                    Value::Null,
                ));
                for piece in split_in_three(args) {
                    out.push_str(&chunk(
                        json!({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}),
                        Value::Null,
                    ));
                }
            }
            "tool_calls"
        }
        Reply::Status(..) => unreachable!("statuses are not streamed"),
    };
    out.push_str(&chunk(json!({}), json!(finish)));
    out.push_str(&data(json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4.1-mini",
        "choices": [], "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS}})));
    out.push_str("data: [DONE]\n\n");
    out
}

fn anthropic_stream(reply: &Reply) -> String {
    let event = |name: &str, v: Value| format!("event: {name}\ndata: {v}\n\n");
    let mut out = event(
        "message_start",
        json!({"type": "message_start", "message": {"id": "msg_fake", "type": "message", "role": "assistant", "content": [],
               "model": "claude-sonnet-4-5", "stop_reason": null, "stop_sequence": null,
               "usage": {"input_tokens": PROMPT_TOKENS, "output_tokens": 1}}}),
    );
    let stop = match reply {
        Reply::Text(text) => {
            out.push_str(&event("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
            for piece in split_in_three(text) {
                out.push_str(&event("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}})));
            }
            out.push_str(&event(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": 0}),
            ));
            "end_turn"
        }
        Reply::ToolCalls(_) | Reply::RawToolCall(..) => {
            for (i, (name, args)) in raw_calls(reply).iter().enumerate() {
                out.push_str(&event("content_block_start", json!({"type": "content_block_start", "index": i,
                    "content_block": {"type": "tool_use", "id": format!("toolu_{i}"), "name": name, "input": {}}})));
                for piece in split_in_three(args) {
                    out.push_str(&event(
                        "content_block_delta",
                        json!({"type": "content_block_delta", "index": i,
                        "delta": {"type": "input_json_delta", "partial_json": piece}}),
                    ));
                }
                out.push_str(&event(
                    "content_block_stop",
                    json!({"type": "content_block_stop", "index": i}),
                ));
            }
            "tool_use"
        }
        Reply::Status(..) => unreachable!("statuses are not streamed"),
    };
    out.push_str(&event(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
        "usage": {"output_tokens": COMPLETION_TOKENS}}),
    ));
    out.push_str(&event("message_stop", json!({"type": "message_stop"})));
    out
}

/// Scripts a wide task: the plan of a researcher (st-1) listing `items` suppliers and a
/// fan-out (st-2) profiling each into suppliers.xlsx, the list, and each item's answer (after
/// `latency`); answers the plan, for the planner's reply.
pub fn suppliers_fan_out(script: &Script, items: usize, latency: Duration) -> Value {
    let list: Vec<String> = (1..=items)
        .map(|n| format!("{n}. **Supplier {n:03}** — a parts maker"))
        .collect();
    script.slow(
        agent_first("st-1"),
        Reply::Text(format!("The suppliers:\n\n{}", list.join("\n"))),
        latency,
    );
    for n in 1..=items {
        let item = format!("Do this for one item only: Supplier {n:03}.");
        script.slow(
            move |body| !planner(body) && body.contains(&item),
            Reply::Text(format!(
                "Supplier {n:03} makes parts.\n{}",
                json!({"item": format!("Supplier {n:03}"), "Country": format!("Country {n}"),
                       "sources": [format!("https://registry.example/{n}")]})
            )),
            latency,
        );
    }
    json!({"title": "Suppliers", "subtasks": [
        {"id": "st-1", "title": "List the suppliers", "description": "List them.",
         "agent_type": "researcher", "depends_on": []},
        {"id": "st-2", "title": "Profile each supplier", "description": "Find its country.",
         "agent_type": "researcher", "depends_on": [],
         "for_each": {"from": "st-1", "columns": ["Country"], "deliverable": "suppliers.xlsx"}}
    ]})
}
