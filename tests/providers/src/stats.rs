//! Counters that tests read to check what a client did: how often it
//! refreshed, whether it replayed a rotated refresh token, how many API
//! calls it made and how they were answered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::fault::Endpoint;
use crate::store::Provider;

/// Counts for one client, or for one provider as a whole.
///
/// Requests answered by an injected fault that skips processing (`drop`,
/// `500`, `503`, `429`, `html`, `error_200`) are not counted here, only in
/// [`Stats::faults_injected`]: the imitated service never saw them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counters {
    /// Token endpoint requests by `grant_type` as sent (`(missing)` when absent).
    pub token_requests: BTreeMap<String, u64>,
    /// Token endpoint requests answered with an error status.
    pub token_errors: u64,
    /// Successful refreshes (each one rotated the pair).
    pub refreshes: u64,
    /// Refresh attempts with a refresh token that had already been rotated away.
    pub replays: u64,
    /// Authorization codes issued.
    pub codes_issued: u64,
    /// Authorization codes exchanged for tokens.
    pub codes_redeemed: u64,
    /// Exchanges of a code that had already been redeemed.
    pub code_replays: u64,
    /// Authorization requests refused by the test user.
    pub authorizations_denied: u64,
    /// API requests (all outcomes).
    pub api_calls: u64,
    /// API requests answered 401.
    pub api_401: u64,
    /// API requests answered 429 (request budget spent).
    pub api_429: u64,
    /// Makini API requests without `Accept: application/json`, which the
    /// seed's example sends (counted, not refused).
    pub api_without_accept_json: u64,
    /// MakeShift token info requests (all outcomes).
    pub token_info_calls: u64,
    /// MakeShift token info requests answered 401.
    pub token_info_401: u64,
}

impl Counters {
    /// Token requests with this `grant_type`.
    pub fn token_requests_for(&self, grant_type: &str) -> u64 {
        self.token_requests.get(grant_type).copied().unwrap_or(0)
    }
}

/// Everything counted since start (or the last reset).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Per registered client id (MakeShift: per API key).
    pub clients: BTreeMap<String, Counters>,
    /// Per provider (`makini_link`, `makini_admin`, `makeshift`), including
    /// requests from unknown clients or with unknown tokens.
    pub providers: BTreeMap<String, Counters>,
    /// Faults served, by endpoint name.
    pub faults_injected: BTreeMap<String, u64>,
}

impl Stats {
    /// The counters of a client (zero if it made no request).
    pub fn client(&self, client_id: &str) -> Counters {
        self.clients.get(client_id).cloned().unwrap_or_default()
    }

    /// The counters of a provider (`makini_link`, `makini_admin`, `makeshift`).
    pub fn provider(&self, name: &str) -> Counters {
        self.providers.get(name).cloned().unwrap_or_default()
    }

    /// Faults served on an endpoint.
    pub fn faults_on(&self, endpoint: Endpoint) -> u64 {
        self.faults_injected
            .get(endpoint.name())
            .copied()
            .unwrap_or(0)
    }

    /// Applies `change` to the provider's counters and, when the client is
    /// a registered one, to the client's.
    pub(crate) fn bump(
        &mut self,
        provider: Provider,
        client: Option<&str>,
        change: impl Fn(&mut Counters),
    ) {
        change(
            self.providers
                .entry(provider.name().to_owned())
                .or_default(),
        );
        if let Some(client) = client {
            change(self.clients.entry(client.to_owned()).or_default());
        }
    }

    /// Counts a token request by grant type.
    pub(crate) fn token_request(
        &mut self,
        provider: Provider,
        client: Option<&str>,
        grant_type: Option<&str>,
    ) {
        let grant = grant_type.unwrap_or("(missing)");
        self.bump(provider, client, |c| {
            *c.token_requests.entry(grant.to_owned()).or_default() += 1;
        });
    }

    /// Counts a fault served on `endpoint`.
    pub(crate) fn fault(&mut self, endpoint: Endpoint) {
        *self
            .faults_injected
            .entry(endpoint.name().to_owned())
            .or_default() += 1;
    }
}
