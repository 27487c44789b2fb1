//! The fault matrix: every fault mode of the local providers against every
//! flow, with the typed error and action authflow reports, what a retry
//! then gives, and whether any refresh token was lost or replayed.

use crate::local;
use crate::transport::Transport;
use authflow_test_providers::credentials::{ADMIN_CLIENT_SECRET, LINK_CLIENT_ID};
use authflow_test_providers::{Endpoint, Fault, FaultSpec, Providers};
use authflowkit_core::{Client, Error, GrantType, Method, Session, TokenSet};
use std::time::Duration;

/// The client's timeout, and the `slow` fault's delay beyond it.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(1000);
const SLOW_DELAY_MS: u64 = 1500;
const RETRY_AFTER: u64 = 7;
const CLOCK_AHEAD: i64 = 300;

/// The flows the matrix exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Makini Link code exchange.
    CodeExchange,
    /// Makini Link refresh, through a session.
    Refresh,
    /// Makini Admin client credentials, through a session.
    ClientCredentials,
    /// MakeShift password grant, through a session.
    PasswordGrant,
    /// Makini Link API call.
    ApiCall,
}

impl Flow {
    /// Every flow, in the table's column order.
    pub const ALL: [Flow; 5] = [
        Flow::CodeExchange,
        Flow::Refresh,
        Flow::ClientCredentials,
        Flow::PasswordGrant,
        Flow::ApiCall,
    ];

    fn title(self) -> &'static str {
        match self {
            Flow::CodeExchange => "code exchange (Makini Link)",
            Flow::Refresh => "refresh (Makini Link, rotating)",
            Flow::ClientCredentials => "client credentials (Makini Admin)",
            Flow::PasswordGrant => "password grant (MakeShift)",
            Flow::ApiCall => "API call (Makini Link v4)",
        }
    }

    fn endpoint(self) -> Endpoint {
        match self {
            Flow::CodeExchange | Flow::Refresh => Endpoint::MakiniLinkToken,
            Flow::ClientCredentials => Endpoint::MakiniAdminToken,
            Flow::PasswordGrant => Endpoint::MakeshiftToken,
            Flow::ApiCall => Endpoint::MakiniLinkApi,
        }
    }
}

fn spec(fault: Fault) -> FaultSpec {
    let spec = FaultSpec::new(fault);
    match fault {
        Fault::Status503 => spec.retry_after(RETRY_AFTER),
        Fault::Slow => spec.delay_ms(SLOW_DELAY_MS),
        Fault::ClockAhead => spec.clock_ahead_secs(CLOCK_AHEAD),
        _ => spec,
    }
}

/// One attempt's outcome in table words.
fn outcome<T>(result: &Result<T, Error>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(e) => match e.retry_after() {
            Some(s) => format!("`{}` → {} after {s} s", e.kind(), e.action()),
            None => format!("`{}` → {}", e.kind(), e.action()),
        },
    }
}

/// Drives a session until it has a token, and returns its token set.
fn renew(session: &mut Session, transport: &Transport, now: u64) -> Result<TokenSet, Error> {
    crate::driver::drive(session, transport, now, &mut ())?;
    session.token_set().cloned().ok_or_else(|| {
        Error::new(
            authflowkit_core::ErrorKind::AuthorizationRequired,
            "no tokens",
        )
    })
}

fn now(providers: &Providers) -> u64 {
    u64::try_from(providers.now()).unwrap_or(0)
}

/// Runs one cell: the first attempt under the fault, then a retry once the
/// fault has passed (after the back-off the error asked for).
fn cell(
    providers: &Providers,
    transport: &Transport,
    flow: Flow,
    fault: Fault,
) -> Result<String, Error> {
    providers.reset();
    let urls = providers.urls();
    let t0 = now(providers);
    let arm = || providers.set_fault_spec(flow.endpoint(), spec(fault).times(1));
    let (first, second, note) = match flow {
        Flow::CodeExchange => {
            let client = local::link_client(urls)?;
            let authorized = local::authorize(transport, &client, t0, None)?;
            let callback = authorized.pending.validate(&authorized.redirect, t0)?;
            let request = client.exchange_request(callback)?;
            arm();
            let attempt = || {
                transport
                    .send(&request)
                    .and_then(|r| client.parse_token_response(GrantType::AuthorizationCode, t0, &r))
            };
            let first = attempt();
            let second = if first.is_ok() {
                Ok(())
            } else {
                attempt().map(|_| ())
            };
            let skew = first.as_ref().map(|t| t.clock_skew()).unwrap_or(0);
            (outcome(&first), second, skew_note(skew))
        }
        Flow::Refresh => {
            let client = local::link_client(urls)?;
            let tokens = local::code_flow(transport, &client, t0)?;
            let mut session = Session::new(client, Some(tokens));
            providers.advance_clock(28 * 86_400);
            let t1 = now(providers);
            arm();
            let first = renew(&mut session, transport, t1);
            let wait = first
                .as_ref()
                .err()
                .and_then(Error::retry_after)
                .unwrap_or(0);
            let second = renew(&mut session, transport, t1 + wait).map(|_| ());
            let replays = providers.stats().client(LINK_CLIENT_ID).replays;
            let kept = session
                .token_set()
                .is_some_and(|t| t.refresh_token().is_some());
            let skew = first.as_ref().map(|t| t.clock_skew()).unwrap_or(0);
            let note = format!(
                "{}refresh token {}; provider saw {replays} replay{}",
                skew_note(skew)
                    .map(|s| format!("{s}; "))
                    .unwrap_or_default(),
                if kept { "held" } else { "gone" },
                if replays == 1 { "" } else { "s" },
            );
            (outcome(&first), second, Some(note))
        }
        Flow::ClientCredentials | Flow::PasswordGrant => {
            let client = if flow == Flow::ClientCredentials {
                local::admin_client(urls, ADMIN_CLIENT_SECRET)?
            } else {
                local::makeshift_client(urls)?
            };
            let mut session = Session::new(client, None);
            arm();
            let first = renew(&mut session, transport, t0);
            let wait = first
                .as_ref()
                .err()
                .and_then(Error::retry_after)
                .unwrap_or(0);
            let second = renew(&mut session, transport, t0 + wait).map(|_| ());
            let skew = first.as_ref().map(|t| t.clock_skew()).unwrap_or(0);
            (outcome(&first), second, skew_note(skew))
        }
        Flow::ApiCall => {
            let client: Client = local::link_client(urls)?;
            let tokens = local::code_flow(transport, &client, t0)?;
            let request = client.api_request(tokens.access_token(), Method::Get, "sites", None)?;
            arm();
            let attempt = || {
                transport
                    .send(&request)
                    .and_then(|r| client.check_api_response(t0, &r))
            };
            let first = attempt();
            let second = if first.is_ok() { Ok(()) } else { attempt() };
            (outcome(&first), second, None)
        }
    };
    let then = match (&second, first.as_str()) {
        (_, "ok") => String::new(),
        (Ok(()), _) => "; retry: ok".to_owned(),
        (Err(e), _) => format!("; retry: `{}` → {}", e.kind(), e.action()),
    };
    Ok(match note {
        Some(note) => format!("{first}{then} ({note})"),
        None => format!("{first}{then}"),
    })
}

fn skew_note(skew: i64) -> Option<String> {
    // Our clock is read just before the request and the server's `Date` a
    // moment later, so the measured skew may be a second over: round it.
    let rounded = (skew + 5).div_euclid(10) * 10;
    (skew != 0).then(|| format!("server clock {rounded:+} s, expiry converted"))
}

/// Runs every cell and returns the Markdown document.
pub fn run() -> Result<String, Box<dyn std::error::Error>> {
    let providers = Providers::start()?;
    let transport = Transport::new(CLIENT_TIMEOUT);
    let mut doc = String::from(HEADER);
    doc.push_str(&format!(
        "| fault | {} |\n|---|",
        Flow::ALL.map(Flow::title).join(" | ")
    ));
    doc.push_str(&"---|".repeat(Flow::ALL.len()));
    doc.push('\n');
    for fault in Fault::ALL {
        let cells = Flow::ALL
            .iter()
            .map(|flow| {
                cell(&providers, &transport, *flow, fault)
                    .unwrap_or_else(|e| format!("setup failed: {e}"))
            })
            .collect::<Vec<_>>();
        doc.push_str(&format!("| `{}` | {} |\n", fault.name(), cells.join(" | ")));
    }
    doc.push_str(FOOTER);
    providers.stop();
    Ok(doc)
}

const HEADER: &str = "# Fault matrix

Generated by `cargo run -p authflow-examples --bin fault-matrix -- --write`
against the local providers (`tests/providers`); a test regenerates it and
fails if this file is out of date. Each cell: the typed error authflow
reported for the first attempt (`kind` → action), then what a retry gave
once the fault had passed (after the `Retry-After` or back-off the error
named). The refresh column also says whether the session still holds a
refresh token and how many replays of a rotated refresh token the provider
counted. Faults apply to the flow's endpoint once; the client times out
after 1 s and `slow` answers after 1.5 s; `503` carries `Retry-After: 7`,
`429` the provider's default 30 s; `clock_ahead` runs the server's clock
300 s fast.

";

const FOOTER: &str = "
Reading the table:

- Faults the provider answers without acting on the request (`drop`,
  `500`, `503`, `429`, `html`, `error_200`) leave everything as it was: the
  retry with the same code or refresh token succeeds, nothing is lost, and
  no refresh token is replayed.
- `truncated` and `slow` are different: the provider **did** act (it issued
  tokens, used the code, rotated the refresh token), but the answer never
  arrived whole. Nothing tells the client, so the retry sends the same
  code or refresh token again. Makini kills the old pair at once, so that
  retry is refused: `invalid_grant` → authorize again for a code or a
  Makini Link refresh. The pair the provider issued was lost in transit,
  not by authflow; a longer client timeout is the cure for `slow`. Grants
  that need no user (client credentials, the MakeShift password grant)
  simply succeed on retry.
- An API answering 200 is success for authflow whatever the body says: the
  body belongs to the application (`error_200` on the API column).
";
