//! Local HTTP servers that imitate Makini Link, the Makini Admin API and
//! MakeShift as the provider documents (`shared/seeds/`) describe them, and
//! a standards-following server for what those three lack (RFC 8414
//! discovery, RFC 7662 introspection, RFC 7009 revocation), for authflow's
//! end-to-end tests.
//!
//! All four share one listener on `127.0.0.1` and are told apart
//! by path prefix (see [`Urls`]). The servers keep their own clock, which a
//! test moves instead of waiting days for tokens to expire, and any endpoint
//! can be told to misbehave for its next requests ([`Fault`]).
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use authflow_test_providers::{Endpoint, Fault, Providers};
//!
//! let providers = Providers::start()?;
//! let token_endpoint = &providers.urls().makini_link.token_endpoint;
//! providers.set_fault(Endpoint::MakiniLinkToken, Fault::Status503, 1);
//! providers.advance_clock(30 * 24 * 3600);
//! let refreshes = providers.stats().client("link-client").refreshes;
//! # let _ = (token_endpoint, refreshes);
//! # Ok(()) }
//! ```
//!
//! Non-Rust tests run the `authflow-providers` command and use the HTTP
//! control API under `/__control` instead (see the crate's README).

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

mod clock;
mod control;
mod cors;
pub mod credentials;
mod fault;
mod http;
mod makeshift;
mod makini_admin;
mod makini_error;
mod makini_link;
mod params;
mod router;
mod standard;
mod state;
mod stats;
mod store;
mod urls;

pub use fault::{Endpoint, Fault, FaultSpec, UnknownName};
pub use stats::{Counters, Stats};
pub use store::AuthorizeUser;
pub use urls::{MakeshiftUrls, MakiniAdminUrls, MakiniLinkUrls, StandardUrls, Urls};

use crate::http::Server;
use crate::router::Router;
use crate::state::State;

/// The running servers. Dropping this (or [`Providers::stop`]) stops them:
/// the listener is closed and every server thread has ended on return.
#[derive(Debug)]
pub struct Providers {
    state: Arc<State>,
    server: Server,
}

impl Providers {
    /// Starts the servers on `127.0.0.1` on a free port.
    ///
    /// # Errors
    ///
    /// When the listener cannot be bound or a thread cannot be started.
    pub fn start() -> io::Result<Self> {
        Self::start_on(0)
    }

    /// Starts the servers on `127.0.0.1:port` (0 picks a free port).
    ///
    /// # Errors
    ///
    /// When the port is taken (or the listener cannot be bound otherwise),
    /// or a thread cannot be started.
    pub fn start_on(port: u16) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(State::new(Urls::for_addr(addr), Arc::clone(&stop)));
        let router = Arc::new(Router::new(Arc::clone(&state)));
        let server = Server::spawn(listener, router, stop)?;
        Ok(Self { state, server })
    }

    /// Every URL the servers answer on.
    pub fn urls(&self) -> &Urls {
        &self.state.urls
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The servers' clock (Unix seconds): real time plus the advances made.
    pub fn now(&self) -> i64 {
        self.state.clock.now()
    }

    /// Moves the servers' clock by `secs` (negative moves it back); returns
    /// the new time.
    pub fn advance_clock(&self, secs: i64) -> i64 {
        self.state.clock.advance(secs)
    }

    /// Arms `fault` with default options on `endpoint`'s next `times`
    /// requests (replacing a fault armed there; 0 disarms).
    pub fn set_fault(&self, endpoint: Endpoint, fault: Fault, times: u32) {
        self.set_fault_spec(endpoint, FaultSpec::new(fault).times(times));
    }

    /// Arms a fault with options (`Retry-After`, delay, clock skew).
    pub fn set_fault_spec(&self, endpoint: Endpoint, spec: FaultSpec) {
        self.state.faults().set(endpoint, spec);
    }

    /// Disarms the fault on `endpoint`.
    pub fn clear_fault(&self, endpoint: Endpoint) {
        self.state.faults().clear(Some(endpoint));
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.state.faults().clear(None);
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.state.world().stats.clone()
    }

    /// Sets how many API requests each Makini Link access token may make
    /// before it gets 429s (default 1000). Applies to existing tokens too.
    pub fn set_api_budget(&self, budget: u64) {
        self.state.world().config.api_budget = budget;
    }

    /// Makes the Makini Admin API answer 403 `insufficient_scope` to access
    /// tokens not granted `scope` (`None`, the default: no scope needed).
    pub fn set_admin_api_scope(&self, scope: Option<&str>) {
        self.state.world().config.admin_api_scope = scope.map(str::to_owned);
    }

    /// Sets how the Makini Link test user answers (default: approve).
    pub fn set_authorize_user(&self, user: AuthorizeUser) {
        self.state.world().config.authorize_user = user;
    }

    /// Forgets all tokens, codes, counters, faults and settings, and puts
    /// the clock back on real time.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Stops the servers and waits for their threads.
    pub fn stop(mut self) {
        self.server.shutdown();
    }
}
