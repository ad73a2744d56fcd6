//! One model turn as the orchestrator makes it: retried with jittered backoff (or the provider's
//! Retry-After) when the provider fails before the answer is whole — at the start or with the
//! stream cut halfway — streamed under the cancel token, usage counted into the store and the
//! journal, and streamed text coalesced into `agent_output` events.

use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::{RunCtx, Stop};
use crate::domain::cents_from_micros;
use crate::events::EventKind;
use crate::providers::config::RetryPolicy;
use crate::providers::{ChatRequest, Completion, Provider, ProviderError, StreamItem};

/// Streamed text is journaled in pieces of about this many characters, or this often.
const OUTPUT_CHUNK_CHARS: usize = 400;
const OUTPUT_CHUNK_EVERY: Duration = Duration::from_millis(100);

impl RunCtx {
    /// Makes one model call and returns the whole answer. `subtask_id` is `None` for planning.
    /// Failures before the answer is complete are retried (the stream opening, and a stream cut
    /// or broken halfway: nothing of a turn is acted on before it is whole); each retry is
    /// journaled.
    pub(crate) async fn model_turn(
        &self,
        provider: &dyn Provider,
        request: &ChatRequest,
        subtask_id: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Completion, Stop> {
        // Held for the whole call, stream included.
        let _slot = tokio::select! {
            _ = cancel.cancelled() => return Err(Stop::Cancelled),
            slot = self.shared.provider_slots.enter(provider) => slot,
        };
        let mut retries = Retries::new(&self.retry);
        loop {
            let error = match self
                .stream_turn(provider, request, subtask_id, cancel)
                .await?
            {
                Ok(out) => {
                    self.record_usage(provider, subtask_id, &out).await?;
                    return Ok(out);
                }
                Err(error) => error,
            };
            self.retry_or_fail(provider, &error, &mut retries, subtask_id, cancel)
                .await?;
        }
    }

    /// One attempt: opens the stream and reads it whole. The outer error stops the turn (a
    /// cancel, the store); the inner one is the provider's, perhaps worth a retry.
    async fn stream_turn(
        &self,
        provider: &dyn Provider,
        request: &ChatRequest,
        subtask_id: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Result<Completion, ProviderError>, Stop> {
        let mut stream = tokio::select! {
            _ = cancel.cancelled() => return Err(Stop::Cancelled),
            r = provider.stream(request) => match r {
                Ok(stream) => stream,
                Err(e) => return Ok(Err(e)),
            },
        };
        let mut out = Completion::default();
        let mut pending = String::new();
        let mut last_flush = Instant::now();
        loop {
            let item = tokio::select! {
                _ = cancel.cancelled() => return Err(Stop::Cancelled),
                item = stream.next() => item,
            };
            match item {
                None => break,
                Some(Err(e)) => {
                    self.flush_output(subtask_id, &mut pending).await?;
                    return Ok(Err(e));
                }
                Some(Ok(StreamItem::Text(text))) => {
                    out.text.push_str(&text);
                    if subtask_id.is_some() {
                        pending.push_str(&text);
                        if pending.len() >= OUTPUT_CHUNK_CHARS
                            || last_flush.elapsed() >= OUTPUT_CHUNK_EVERY
                        {
                            self.flush_output(subtask_id, &mut pending).await?;
                            last_flush = Instant::now();
                        }
                    }
                }
                Some(Ok(StreamItem::ToolCall(call))) => out.tool_calls.push(call),
                Some(Ok(StreamItem::Usage(u))) => {
                    out.usage.input_tokens += u.input_tokens;
                    out.usage.output_tokens += u.output_tokens;
                }
            }
        }
        self.flush_output(subtask_id, &mut pending).await?;
        Ok(Ok(out))
    }

    async fn flush_output(
        &self,
        subtask_id: Option<&str>,
        pending: &mut String,
    ) -> Result<(), Stop> {
        if let (Some(id), false) = (subtask_id, pending.is_empty()) {
            let text = std::mem::take(pending);
            self.shared
                .journal
                .append(
                    &self.task_id,
                    EventKind::AgentOutput {
                        subtask_id: id.to_owned(),
                        text,
                    },
                )
                .await?;
        }
        Ok(())
    }

    async fn record_usage(
        &self,
        provider: &dyn Provider,
        subtask_id: Option<&str>,
        out: &Completion,
    ) -> Result<(), Stop> {
        let micros =
            self.shared
                .prices
                .cost_micros(provider.model(), out.usage, provider.is_local());
        let totals = self
            .shared
            .store
            .add_usage(
                &self.task_id,
                subtask_id,
                out.usage.input_tokens,
                out.usage.output_tokens,
                micros,
            )
            .await?;
        self.shared
            .journal
            .append(
                &self.task_id,
                EventKind::Usage {
                    subtask_id: subtask_id.map(str::to_owned),
                    input_tokens: out.usage.input_tokens,
                    output_tokens: out.usage.output_tokens,
                    cost_usd: micros.unwrap_or(0) as f64 / 1e6,
                    task_total_tokens: totals.tokens,
                    task_total_cost_cents: cents_from_micros(totals.cost_micros),
                    cost_unknown: micros.is_none(),
                },
            )
            .await?;
        Ok(())
    }

    /// Waits before the next attempt after `error` (the provider's Retry-After, else jittered
    /// backoff) and journals it; fails the turn when the error is not worth a retry or the retries
    /// are used up.
    async fn retry_or_fail(
        &self,
        provider: &dyn Provider,
        error: &ProviderError,
        retries: &mut Retries,
        subtask_id: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let delay = match (error.is_retryable(), retries.backoff.next()) {
            (true, Some(backoff_delay)) => error
                .retry_after()
                .map(|d| d.min(self.retry.max_delay))
                .unwrap_or(backoff_delay),
            _ => {
                return Err(Stop::Failed(failure_message(
                    provider.model(),
                    error,
                    retries.done,
                )));
            }
        };
        retries.done += 1;
        let attempt = retries.done;
        tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "model call failed; retrying");
        self.shared
            .journal
            .append(
                &self.task_id,
                EventKind::ProviderRetry {
                    subtask_id: subtask_id.map(str::to_owned),
                    attempt,
                    delay_ms: delay.as_millis() as u64,
                    reason: error.to_string(),
                },
            )
            .await?;
        tokio::select! {
            _ = cancel.cancelled() => Err(Stop::Cancelled),
            _ = tokio::time::sleep(delay) => Ok(()),
        }
    }
}

/// The retries left to one model turn.
struct Retries {
    backoff: backon::ExponentialBackoff,
    done: u32,
}

impl Retries {
    fn new(policy: &RetryPolicy) -> Self {
        Retries {
            backoff: ExponentialBuilder::default()
                .with_min_delay(policy.min_delay)
                .with_max_delay(policy.max_delay)
                .with_max_times(policy.max_retries)
                .with_jitter()
                .build(),
            done: 0,
        }
    }
}

/// Why a model call failed for good, and what the user can do about it.
fn failure_message(model: &str, error: &ProviderError, retries: u32) -> String {
    let failed = if retries == 0 {
        format!("model {model} failed: {error}")
    } else {
        format!("model {model} failed after {retries} retries: {error}")
    };
    let fix = match error {
        ProviderError::Network(_)
        | ProviderError::Timeout
        | ProviderError::Unavailable(_)
        | ProviderError::Server { .. }
        | ProviderError::Interrupted(_) => format!(
            "check that {model}'s server is running and reachable, or choose another model in Settings → Models \
             (`miteos models setup`)"
        ),
        ProviderError::ContextTooLong(_) => format!(
            "the task's conversation no longer fits in {model}'s context: choose a model with a longer context in \
             Settings → Models, or attach less"
        ),
        ProviderError::Auth(_) => format!(
            "check the API key for {model} in Settings → Models (`miteos models use {model} --key-stdin`)"
        ),
        ProviderError::RateLimited { .. } => {
            "the provider keeps limiting requests: try again later, or lower Settings → Concurrency"
                .to_owned()
        }
        ProviderError::BadRequest(_) | ProviderError::Stream(_) => return failed,
    };
    format!("{failed}. To fix: {fix}")
}
