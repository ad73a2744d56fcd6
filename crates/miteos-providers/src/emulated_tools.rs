//! Tool calling for models that have none: the tools are described in the system prompt and the
//! answer is constrained to a JSON schema — one object that either calls a tool
//! (`{"tool": NAME, "arguments": {...}}`) or answers (`{"final_answer": "..."}`). The embedded
//! model enforces the schema while sampling; an OpenAI-compatible server enforces it through
//! `response_format`. [`AnswerStream`] lets the final answer stream while it is generated.

use serde_json::{Value, json};

use super::{ChatRequest, Message, ProviderError, StreamItem, ToolCall};

/// The schema every answer must match.
pub fn answer_schema(request: &ChatRequest) -> Value {
    let call = |name: &str, parameters: &Value| {
        json!({"type": "object",
               "properties": {"tool": {"const": name}, "arguments": parameters},
               "required": ["tool", "arguments"], "additionalProperties": false})
    };
    if let Some(forced) = &request.force_tool
        && let Some(tool) = request.tools.iter().find(|t| &t.name == forced)
    {
        return call(&tool.name, &tool.parameters);
    }
    let mut options = vec![json!({"type": "object",
        "properties": {"final_answer": {"type": "string"}},
        "required": ["final_answer"], "additionalProperties": false})];
    options.extend(request.tools.iter().map(|t| call(&t.name, &t.parameters)));
    if options.len() == 1 {
        return options.remove(0);
    }
    json!({"anyOf": options})
}

/// The system prompt with the tools and the answer format spelled out.
pub fn system_prompt(request: &ChatRequest) -> String {
    let mut out = request.system.clone();
    if request.tools.is_empty() {
        out.push_str("\n\nAnswer with a JSON object: {\"final_answer\": \"...\"}.");
        return out;
    }
    out.push_str("\n\nYou have these tools:\n");
    for t in &request.tools {
        out.push_str(&format!(
            "- {}: {} Arguments (JSON schema): {}\n",
            t.name, t.description, t.parameters
        ));
    }
    match &request.force_tool {
        Some(forced) => out.push_str(&format!(
            "\nAnswer with exactly one JSON object that calls {forced}: {{\"tool\": \"{forced}\", \"arguments\": {{...}}}}."
        )),
        None => out.push_str(
            "\nAnswer with exactly one JSON object: {\"tool\": \"<name>\", \"arguments\": {...}} to call a tool, \
             or {\"final_answer\": \"...\"} when you are done.",
        ),
    }
    out
}

/// The conversation as plain chat turns (role, text): tool calls become the JSON the model wrote,
/// tool results become user turns.
pub fn plain_messages(request: &ChatRequest) -> Vec<(&'static str, String)> {
    request
        .messages
        .iter()
        .map(|m| match m {
            Message::User(text) => ("user", text.clone()),
            Message::Assistant { text, tool_calls } => match tool_calls.first() {
                Some(call) => (
                    "assistant",
                    json!({"tool": call.name, "arguments": call.arguments}).to_string(),
                ),
                None => ("assistant", json!({"final_answer": text}).to_string()),
            },
            Message::ToolResult { name, content, .. } => {
                ("user", format!("Result of {name}:\n{content}"))
            }
        })
        .collect()
}

/// Turns the complete JSON answer into stream items: a tool call, or (unless it was already
/// streamed) the final answer as text.
pub fn parse_answer(
    text: &str,
    call_number: usize,
    answer_streamed: bool,
) -> Result<Vec<StreamItem>, ProviderError> {
    let trimmed = text.trim();
    let value: Value = serde_json::from_str(trimmed)
        .or_else(|_| {
            // Some servers wrap JSON in prose or fences; take the outermost object.
            let start = trimmed.find('{').ok_or(())?;
            let end = trimmed.rfind('}').ok_or(())?;
            serde_json::from_str(&trimmed[start..=end]).map_err(|_| ())
        })
        .map_err(|_| {
            ProviderError::Stream(format!(
                "the model's answer is not the required JSON: {}",
                short(trimmed)
            ))
        })?;
    if let Some(name) = value.get("tool").and_then(Value::as_str) {
        let arguments = value.get("arguments").cloned().unwrap_or_else(|| json!({}));
        return Ok(vec![StreamItem::ToolCall(ToolCall {
            id: format!("call_{call_number}"),
            name: name.to_owned(),
            arguments,
        })]);
    }
    match value.get("final_answer") {
        Some(answer) if answer_streamed => {
            let _ = answer;
            Ok(Vec::new())
        }
        Some(Value::String(answer)) => Ok(vec![StreamItem::Text(answer.clone())]),
        Some(other) => Ok(vec![StreamItem::Text(other.to_string())]),
        None => Err(ProviderError::Stream(format!(
            "the model's answer has neither tool nor final_answer: {}",
            short(trimmed)
        ))),
    }
}

fn short(s: &str) -> String {
    s.chars().take(300).collect()
}

/// Streams the value of `final_answer` while the JSON answer is generated: fed the raw pieces, it
/// returns the decoded characters of the answer string as they become certain.
#[derive(Default)]
pub struct AnswerStream {
    raw: String,
    /// Byte offset in `raw` where the answer string's content starts, once known.
    start: Option<usize>,
    /// Bytes of `raw` after `start` already decoded.
    consumed: usize,
    done: bool,
    /// True once any answer text was returned.
    pub streamed: bool,
}

impl AnswerStream {
    pub fn push(&mut self, piece: &str) -> String {
        self.raw.push_str(piece);
        if self.done {
            return String::new();
        }
        if self.start.is_none() {
            let compact: String = self.raw.chars().filter(|c| !c.is_whitespace()).collect();
            if !compact.starts_with("{\"final_answer\":\"") {
                if compact.len() >= 17 || !"{\"final_answer\":\"".starts_with(compact.as_str()) {
                    self.done = true;
                }
                return String::new();
            }
            // The opening quote of the value is the third quote in the raw text.
            let third_quote = self.raw.match_indices('"').nth(2).map(|(i, _)| i + 1);
            self.start = third_quote;
        }
        let Some(start) = self.start else {
            return String::new();
        };
        let body = &self.raw[start + self.consumed..];
        let mut out = String::new();
        let mut chars = body.char_indices().peekable();
        let mut used = 0;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.done = true;
                    used = i + 1;
                    break;
                }
                '\\' => {
                    let rest = &body[i..];
                    let Some(next) = rest.chars().nth(1) else {
                        break;
                    };
                    let (decoded, len) = match next {
                        'n' => (Some('\n'), 2),
                        't' => (Some('\t'), 2),
                        'r' => (Some('\r'), 2),
                        '"' => (Some('"'), 2),
                        '\\' => (Some('\\'), 2),
                        '/' => (Some('/'), 2),
                        'b' | 'f' => (None, 2),
                        'u' => {
                            if rest.len() < 6 {
                                break;
                            }
                            (
                                u32::from_str_radix(&rest[2..6], 16)
                                    .ok()
                                    .and_then(char::from_u32),
                                6,
                            )
                        }
                        _ => (None, 2),
                    };
                    out.extend(decoded);
                    used = i + len;
                    for _ in 1..len {
                        chars.next();
                    }
                }
                c => {
                    out.push(c);
                    used = i + c.len_utf8();
                }
            }
        }
        self.consumed += used;
        if !out.is_empty() {
            self.streamed = true;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ToolSpec;

    fn request(force: Option<&str>) -> ChatRequest {
        ChatRequest {
            system: "sys".into(),
            messages: vec![Message::User("hi".into())],
            tools: vec![ToolSpec {
                name: "write_file".into(),
                description: "write".into(),
                parameters: json!({"type": "object"}),
            }],
            force_tool: force.map(str::to_owned),
            max_tokens: None,
        }
    }

    #[test]
    fn schema_offers_the_tools_and_an_answer() {
        let schema = answer_schema(&request(None));
        assert_eq!(schema["anyOf"].as_array().unwrap().len(), 2);
        let forced = answer_schema(&request(Some("write_file")));
        assert_eq!(forced["properties"]["tool"]["const"], "write_file");
    }

    #[test]
    fn answers_become_tool_calls_or_text() {
        let items = parse_answer(
            r#"{"tool":"write_file","arguments":{"path":"a.md"}}"#,
            3,
            false,
        )
        .unwrap();
        assert!(
            matches!(&items[0], StreamItem::ToolCall(c) if c.name == "write_file" && c.id == "call_3")
        );
        let items = parse_answer(r#"{"final_answer":"done"}"#, 0, false).unwrap();
        assert_eq!(items, vec![StreamItem::Text("done".into())]);
        assert!(
            parse_answer(r#"{"final_answer":"done"}"#, 0, true)
                .unwrap()
                .is_empty()
        );
        assert!(parse_answer("not json", 0, false).is_err());
    }

    #[test]
    fn the_final_answer_streams_decoded() {
        let mut s = AnswerStream::default();
        let mut out = String::new();
        for piece in [
            "{\"fin",
            "al_answer\": \"Hel",
            "lo \\\"wor",
            "ld\\\"\\n\\u00e9",
            "\"}",
        ] {
            out.push_str(&s.push(piece));
        }
        assert_eq!(out, "Hello \"world\"\né");
        assert!(s.streamed);

        let mut s = AnswerStream::default();
        assert_eq!(s.push("{\"tool\": \"x\", \"arguments\": {}}"), "");
        assert!(!s.streamed);
    }
}
