//! One connection's token set shared by many processes through a store,
//! renewed once per expiry however many processes ask.
//!
//! A [`Session`] keeps tokens fresh for the threads of one process. When
//! several processes (web workers, cron jobs, machines) hold the same
//! connection, each would renew on its own, and with rotating refresh tokens
//! (Makini) the second refresh sends a token the first one killed. A
//! [`FleetSession`] wraps the session and coordinates through a store that
//! offers four primitive operations ([`TokenStore`]): read the token set with
//! its generation, compare-and-set it on the generation, take a lease with a
//! time to live, release it. Every decision is made here; a store only
//! carries them out, and this module does no IO: the caller performs each
//! [`StoreRequest`] and hands the outcome back, as with HTTP requests.
//!
//! The protocol, per renewal:
//! 1. Read the stored set before using a token. Another process's write
//!    replaces the local copy, unless the local set is later (see below:
//!    then it is written over it); nothing is sent.
//! 2. When the session wants to renew, take the lease. Not taken: another
//!    process is renewing; sleep, re-read, and try again (the lease expires
//!    if its holder died), up to a deadline.
//! 3. Lease taken: read again (the holder before may have just written). Still
//!    due: confirm the lease (taking it again restarts its time to live and
//!    fails if a store that lost everything gave it to another process; if
//!    it may have lapsed since it was taken, read again first), send the
//!    renewal, write the answer with compare-and-set on the generation
//!    read, release the lease.
//!
//! A rotated refresh token is written to the store before any caller gets
//! the new access token. A refresh token the provider refused is written as
//! dropped, so no process sends it again. If the store is unreachable, a
//! still-valid local token is used and a renewal waits for the store
//! (renewing without the lease could replay a rotated token), with
//! [`ErrorKind::StoreUnavailable`] for callers that have no valid token. If
//! the store write after a renewal fails, the new tokens are kept in memory
//! and written at the next poll ([`FleetSession::has_unwritten_tokens`]): a
//! driver polls for them when the store answers again, whether or not a
//! caller asks for this connection (`authflowkit-store`'s driver does, from
//! a thread of its own).
//!
//! # Which copy is later: history, not clocks
//!
//! Processes meet each other's writes: a compare-and-set that finds another
//! generation, a store that lost a write and got an earlier copy back, a
//! process started from a saved copy. Which set wins is decided by the
//! sets' place in their authorization's history, carried in the stored
//! value ([`TokenSet::authorized_at`], [`TokenSet::renewals`]): every
//! renewal (refresh or re-authentication) numbers its answer one more than
//! the set it renewed, and renewals are serialised by the lease, so the
//! number grows by one per renewal on whatever machine it ran, and keeps
//! growing across a store that lost everything (generations restart then;
//! the number does not). The later set is the one with more renewals; at
//! the same number, the one whose refresh token was found dead and dropped;
//! sets of two authorizations (the user authorized again) are ordered by
//! the time of authorization in the provider's clock (its `Date` header; in
//! the clock of the machine that received it when the provider sends
//! none), the only place a clock still counts. At the same place, the
//! store's copy wins. The machines' own clocks never decide: with clocks
//! minutes apart, an earlier set ordered by `issued_at` used to overwrite
//! the newest rotated pair.
//!
//! # Times in a stored set
//!
//! A set's times (`issued_at`, `expires_at`, `refresh_expires_at`) are in
//! the clock of the machine that received it, and its `clock_skew` is how
//! far the provider's clock was ahead of that machine's, so `time +
//! clock_skew` is the provider's time. A process that adopts a set another
//! process wrote moves its times into its own clock through the provider's
//! ([`Session::adopt`] gets the moved set, and renewal timing follows it),
//! with the skew it measured on its own last renewal answer; until it has
//! renewed once, its clock is taken to agree with the provider's. A
//! provider that sends no `Date` gives no reference: the times then stay in
//! the writer's clock, and a machine whose clock is off renews that much
//! early or late (an API's 401 then triggers the renewal).
//!
//! # Outside the guarantees
//!
//! - A process that stalls for longer than the lease's time to live with
//!   its renewal request out (or its answer in and not yet written):
//!   another process may renew meanwhile with the same refresh token. With
//!   a rotating provider one of the two gets `invalid_grant` and drops that
//!   refresh token (written as dropped, later than the same set with it);
//!   the other's new pair is later by its number and wins in the store and
//!   in every process. A process that stalls before sending confirms its
//!   lease and, when it may have lapsed meanwhile, reads the store again
//!   before it sends: it renews from what the store holds then.
//! - A process that dies after the provider answered and before the store
//!   write: its new pair (or the news that the refresh token was refused)
//!   is lost, and the other processes hold a refresh token the provider
//!   killed. The next renewal sends it once, gets `invalid_grant`, and the
//!   connection drops it: a profile that can re-authenticate (Makini Admin,
//!   MakeShift) does so, a Makini Link connection reports `authorize_again`
//!   in every process.
//! - The store losing everything (a restart without persistence). The
//!   freshest local copy is written back; a process that finds the value
//!   gone takes the lease and never releases it before writing its copy
//!   back, marked as restored (with a generation no process can still hold
//!   from before the loss); whoever sees a restored copy waits a lease's
//!   time to live before renewing: nobody renews from a copy that may be
//!   stale until a renewal in flight when the store lost everything has
//!   landed (its compare-and-set then finds the copy and wins by its
//!   number) and the holder of the latest tokens has written them over it
//!   (when the store answers again: see above). Meanwhile a caller with no
//!   valid token is told to retry in a second
//!   ([`ErrorKind::TemporarilyUnavailable`]) rather than kept waiting: a
//!   thread waiting here is one that does not use its process's other
//!   connections, whose unwritten tokens may be the ones the hold waits
//!   for. A holder whose tokens do not reach the store within the lease's
//!   time to live (dead, stalled, or driven without a writer of its own
//!   while its connection goes unused) is the remaining risk; so is a
//!   process started from a saved copy while the store is empty: it cannot
//!   tell a new store from one that lost a later set, writes its copy as
//!   the connection's tokens and may renew from it at once. After a store lost everything, start
//!   processes without tokens (they wait for the holders' copies) or from
//!   the latest copy, and give Redis persistence where it can be had.
//! - Processes of versions before the history was stored: their values
//!   carry no renewal number and are ordered as authorizations of their
//!   own, by the time they were issued, as before. Upgrade every process of
//!   a fleet together.

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::HttpResponse;
use crate::secret::AccessToken;
use crate::session::{OutgoingRequest, RequestId, Session, SessionAction, SessionUpdate};
use crate::token_set::TokenSet;
use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::Zeroizing;

/// Marks the generation of a copy written back after the store lost its
/// value: it may be older than a renewal that was in flight then, so no
/// process renews from it for a lease's time to live after seeing it (the
/// holder of newer tokens writes them over it in the meantime).
const RESTORED: u64 = 1 << 62;

/// In a written-back copy's generation, the bits that name the process that
/// wrote it back (from its owner id), above a count higher than any
/// generation that process has seen. Generations restart when the store
/// loses everything, and a process may still hold one from before as the
/// generation its compare-and-set expects: were a copy written back with
/// that same generation, the compare-and-set would take it for the value
/// it read and write an earlier set over a later one.
const RESTORER: u64 = 0xF_FFFF << 40;
/// The count below [`RESTORER`].
const COUNT: u64 = (1 << 40) - 1;

/// The store key prefix and layout version: changing the layout changes it,
/// so processes of two versions never read each other's values.
const KEY_PREFIX: &str = "authflow:v1";

/// A stored token set and its generation (1 for the first write, one more
/// for every write after it).
#[derive(Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The generation of this value.
    pub generation: u64,
    /// The token set's versioned JSON form ([`TokenSet::to_json`]).
    pub value: Zeroizing<String>,
}

impl fmt::Debug for StoredRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredRecord")
            .field("generation", &self.generation)
            .field("value", &"[redacted]")
            .finish()
    }
}

/// The primitive operations a shared store offers. Implementations do only
/// what each method says, atomically; [`FleetSession`] decides when to call
/// which. The values are token sets: keep the store as protected as any
/// secret store (authentication, TLS when it leaves the host).
pub trait TokenStore {
    /// The value at `key` and its generation, or `None` if there is none.
    fn get(&self, key: &str) -> std::result::Result<Option<StoredRecord>, String>;
    /// Stores `value` with `new_generation` at `key` if the generation there
    /// is `expected` (0: no value); says whether it did. Atomic.
    fn compare_and_set(
        &self,
        key: &str,
        expected: u64,
        new_generation: u64,
        value: &str,
    ) -> std::result::Result<bool, String>;
    /// Takes the lease at `key` for `owner` for `ttl_ms` milliseconds if no
    /// unexpired lease is there, or if `owner` holds it (its time to live
    /// then starts again); says whether `owner` holds it now. Atomic.
    fn take_lease(&self, key: &str, owner: &str, ttl_ms: u64) -> std::result::Result<bool, String>;
    /// Releases the lease at `key` if `owner` holds it. Atomic.
    fn release_lease(&self, key: &str, owner: &str) -> std::result::Result<(), String>;

    /// Carries out `request` and gives its outcome, for
    /// [`FleetSession::handle_store`]. Errors are texts for
    /// [`ErrorKind::StoreUnavailable`]: they must not contain the values.
    fn perform(&self, request: &StoreRequest) -> std::result::Result<StoreOutcome, String> {
        match &request.operation {
            StoreOperation::Get => self.get(&request.key).map(StoreOutcome::Got),
            StoreOperation::CompareAndSet {
                expected,
                new_generation,
                value,
            } => self
                .compare_and_set(&request.key, *expected, *new_generation, value)
                .map(StoreOutcome::Done),
            StoreOperation::TakeLease { owner, ttl_ms } => self
                .take_lease(&request.key, owner, *ttl_ms)
                .map(StoreOutcome::Done),
            StoreOperation::ReleaseLease { owner } => self
                .release_lease(&request.key, owner)
                .map(|()| StoreOutcome::Done(true)),
        }
    }
}

/// A boxed store is a store (for callers that pick one at run time).
impl<T: TokenStore + ?Sized> TokenStore for Box<T> {
    fn get(&self, key: &str) -> std::result::Result<Option<StoredRecord>, String> {
        (**self).get(key)
    }
    fn compare_and_set(
        &self,
        key: &str,
        expected: u64,
        new_generation: u64,
        value: &str,
    ) -> std::result::Result<bool, String> {
        (**self).compare_and_set(key, expected, new_generation, value)
    }
    fn take_lease(&self, key: &str, owner: &str, ttl_ms: u64) -> std::result::Result<bool, String> {
        (**self).take_lease(key, owner, ttl_ms)
    }
    fn release_lease(&self, key: &str, owner: &str) -> std::result::Result<(), String> {
        (**self).release_lease(key, owner)
    }
}

/// Where one connection's token set and its lease live in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreKey {
    tokens: String,
    lease: String,
}

impl StoreKey {
    /// The keys for `connection` (the app's name for whose tokens these are:
    /// a user id, an account, `"default"`) of `client`: namespaced by
    /// provider kind, token endpoint and client id, so two providers or two
    /// registrations never share a value.
    pub fn for_connection(client: &Client, connection: &str) -> StoreKey {
        let profile = client.profile();
        let endpoint = profile
            .endpoint(crate::profile::EndpointRole::Token)
            .map(|e| e.as_str())
            .unwrap_or("");
        let tokens = [
            KEY_PREFIX.to_owned(),
            escape(profile.kind().as_str()),
            escape(endpoint),
            escape(client.client_id()),
            escape(connection),
        ]
        .join(":");
        StoreKey {
            lease: format!("{tokens}:lease"),
            tokens,
        }
    }

    /// The key of the token set.
    pub fn tokens(&self) -> &str {
        &self.tokens
    }

    /// The key of the renewal lease.
    pub fn lease(&self) -> &str {
        &self.lease
    }
}

/// Percent-escapes `:` and `%`, so that a part can never be read as two.
fn escape(part: &str) -> String {
    part.replace('%', "%25").replace(':', "%3A")
}

/// Timings of the protocol, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetTimings {
    /// How long a lease lasts if its holder never releases it (it died).
    /// Must exceed the longest renewal request (the transport's timeout,
    /// often 30 s); default 60 s.
    pub lease_ttl_ms: u64,
    /// How long to sleep before re-reading while another process renews;
    /// default 50 ms.
    pub recheck_ms: u64,
    /// How long to wait for another process's renewal before telling the
    /// caller to retry later; default twice the lease's time to live.
    pub wait_deadline_ms: u64,
    /// How long a read stays good enough to hand out the local token without
    /// reading again; default 0 (read before every use: with rotating
    /// providers, another process's renewal kills the local token at once).
    pub fresh_for_ms: u64,
    /// How long to wait before trying an unreachable store again; default 1 s.
    pub store_retry_ms: u64,
}

impl Default for FleetTimings {
    fn default() -> Self {
        FleetTimings {
            lease_ttl_ms: 60_000,
            recheck_ms: 50,
            wait_deadline_ms: 120_000,
            fresh_for_ms: 0,
            store_retry_ms: 1_000,
        }
    }
}

/// Identifies a store request, so that its outcome can be matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreRequestId(pub u64);

/// One primitive operation on the store.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreOperation {
    /// Read the value and its generation.
    Get,
    /// Write `value` with `new_generation` if the stored generation is `expected`.
    CompareAndSet {
        /// The generation the store must hold (0: no value).
        expected: u64,
        /// The generation to write.
        new_generation: u64,
        /// The token set's JSON form.
        value: Zeroizing<String>,
    },
    /// Take the lease for `owner` unless someone holds it.
    TakeLease {
        /// Who takes it.
        owner: String,
        /// For how long.
        ttl_ms: u64,
    },
    /// Release the lease if `owner` holds it.
    ReleaseLease {
        /// Who releases it.
        owner: String,
    },
}

impl fmt::Debug for StoreOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreOperation::Get => f.write_str("Get"),
            StoreOperation::CompareAndSet {
                expected,
                new_generation,
                ..
            } => f
                .debug_struct("CompareAndSet")
                .field("expected", expected)
                .field("new_generation", new_generation)
                .field("value", &"[redacted]")
                .finish(),
            StoreOperation::TakeLease { owner, ttl_ms } => f
                .debug_struct("TakeLease")
                .field("owner", owner)
                .field("ttl_ms", ttl_ms)
                .finish(),
            StoreOperation::ReleaseLease { owner } => f
                .debug_struct("ReleaseLease")
                .field("owner", owner)
                .finish(),
        }
    }
}

/// A store operation to carry out, then hand back with
/// [`FleetSession::handle_store`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRequest {
    /// Its id.
    pub id: StoreRequestId,
    /// The key it applies to.
    pub key: String,
    /// What to do.
    pub operation: StoreOperation,
}

/// What the store answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOutcome {
    /// The answer to [`StoreOperation::Get`].
    Got(Option<StoredRecord>),
    /// Whether a compare-and-set wrote or a lease was taken (`true` for a release).
    Done(bool),
}

/// What a caller should do now.
#[derive(Debug, Clone)]
pub enum FleetAction {
    /// Use this access token.
    UseToken(AccessToken),
    /// Carry out this store operation, then hand its outcome to
    /// [`FleetSession::handle_store`] (or the failure to
    /// [`FleetSession::handle_store_error`]).
    Store(StoreRequest),
    /// Send this renewal request, then hand the answer to
    /// [`FleetSession::handle_response`] (or
    /// [`FleetSession::handle_transport_error`]).
    Send(OutgoingRequest),
    /// Another process is renewing: sleep this long, then poll again.
    Sleep {
        /// Milliseconds.
        millis: u64,
    },
    /// A store operation or request of this process is outstanding (another
    /// thread is carrying it out): wait for it to complete, then poll again.
    WaitLocal,
    /// No token now. The error's action says what next: retry later (with
    /// [`Error::retry_after`]), authorize again, fix the configuration.
    Fail(Error),
}

/// Where the protocol stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing outstanding.
    Idle,
    /// A read must be issued, for this purpose.
    ReadDue(ReadPurpose),
    /// A read is out.
    Reading(ReadPurpose),
    /// A lease request is out.
    Leasing,
    /// The lease is held and the value read under it.
    LeaseHeld,
    /// Right before sending: a lease request is out that confirms this
    /// process still holds the lease (a store that lost everything lost
    /// the lease too, and another process may hold it now) and restarts its
    /// time to live for the request.
    Confirming,
    /// The renewal request is out.
    Renewing,
    /// A compare-and-set is out.
    Writing { new_generation: u64 },
    /// A release is out.
    Releasing,
    /// Another process holds the lease; read again at `next_read_ms`.
    Waiting { next_read_ms: u64 },
    /// After finding the value gone: a lease request is out that, taken,
    /// is never released, so that nobody renews for its time to live.
    Quarantining,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadPurpose {
    /// Before handing out the local token.
    Check,
    /// After taking the lease.
    UnderLease,
    /// After a compare-and-set found another generation.
    AfterConflict,
}

/// A [`Session`] whose token set lives in a store shared by many processes.
///
/// The contract, as for [`Session`]: poll [`FleetSession::poll`] with the
/// current time in milliseconds, do what it says, hand outcomes back with the
/// `handle_*` methods, and poll again, until it says
/// [`FleetAction::UseToken`] or [`FleetAction::Fail`]. Within a process,
/// share one `FleetSession` between threads behind a lock; the store
/// operations are short and may be carried out while holding it, the HTTP
/// request should not be. Only the thread given an action hands its
/// outcome back; the others get [`FleetAction::WaitLocal`] meanwhile.
#[derive(Debug)]
pub struct FleetSession {
    session: Session,
    key: StoreKey,
    owner: String,
    timings: FleetTimings,
    phase: Phase,
    next_id: u64,
    outstanding: Option<u64>,
    /// The generation the local token set came from or was written as.
    generation: u64,
    /// The generation the store was last seen holding (0: none).
    stored_generation: u64,
    /// The local token set is newer than the store's and must be written.
    unwritten: bool,
    holds_lease: bool,
    /// A read completed and no token was handed out since.
    just_read: bool,
    read_at_ms: Option<u64>,
    waiting_since_ms: Option<u64>,
    store_retry_at_ms: Option<u64>,
    store_error: Option<Error>,
    /// No renewal before this time: the store lost its value, and a process
    /// that was renewing then must get to write its tokens first.
    renewals_held_until_ms: Option<u64>,
    /// The store lost its value: take the quarantine lease before writing
    /// the local copy back.
    store_lost: bool,
    /// The lease was confirmed right before the renewal to send.
    lease_confirmed: bool,
    /// The stored value the local token set came from or was written as.
    known_value: Option<Zeroizing<String>>,
    /// The value of the compare-and-set that is out.
    written_value: Option<Zeroizing<String>>,
    /// The next write puts back a copy after the store lost its value.
    restoring: bool,
    /// The restored generation whose hold was already counted.
    restored_seen: Option<u64>,
    /// When the lease request that is out was asked for (our clock).
    lease_asked_at_ms: u64,
    /// Until when the lease is surely ours (our clock): a lease's time to
    /// live after the request that took or confirmed it was asked for.
    lease_valid_until_ms: u64,
    /// How far the provider's clock is ahead of ours, from the `Date` of
    /// this process's own last renewal answer; `None` before it has one.
    own_skew: Option<i64>,
    /// This process's [`RESTORER`] bits.
    restorer: u64,
    /// The highest [`COUNT`] of any generation this process has read or
    /// written.
    highest_count: u64,
}

impl FleetSession {
    /// Wraps `session` (with the local tokens, if any: they are written to
    /// the store unless it holds a later set) for the connection at `key`.
    /// `owner_id` names this process's leases: make it unique
    /// ([`owner_id`] makes one from random bytes).
    pub fn new(session: Session, key: StoreKey, owner_id: String) -> FleetSession {
        let unwritten = session.token_set().is_some();
        let digest = Sha256::digest(owner_id.as_bytes());
        // Distinct owners, distinct bits (from a digest of the owner id).
        let digest = digest.iter().take(3);
        let bits = digest.fold(0, |bits, byte| (bits << 8) | u64::from(*byte));
        let restorer = (bits << 40) & RESTORER;
        FleetSession {
            session,
            key,
            owner: owner_id,
            timings: FleetTimings::default(),
            phase: Phase::Idle,
            next_id: 1,
            outstanding: None,
            generation: 0,
            stored_generation: 0,
            unwritten,
            holds_lease: false,
            just_read: false,
            read_at_ms: None,
            waiting_since_ms: None,
            store_retry_at_ms: None,
            store_error: None,
            renewals_held_until_ms: None,
            store_lost: false,
            lease_confirmed: false,
            known_value: None,
            written_value: None,
            restoring: false,
            restored_seen: None,
            lease_asked_at_ms: 0,
            lease_valid_until_ms: 0,
            own_skew: None,
            restorer,
            highest_count: 0,
        }
    }

    /// Uses these timings instead of the defaults.
    pub fn with_timings(mut self, timings: FleetTimings) -> FleetSession {
        self.timings = timings;
        self
    }

    /// The timings in use.
    pub fn timings(&self) -> FleetTimings {
        self.timings
    }

    /// The wrapped session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The store keys.
    pub fn key(&self) -> &StoreKey {
        &self.key
    }

    /// The generation of the local token set (0: never stored).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether this process believes it holds the renewal lease.
    pub fn holds_lease(&self) -> bool {
        self.holds_lease
    }

    /// Whether this process holds tokens newer than the store's, still to
    /// be written (the store failed when they came): poll again before
    /// shutting down, or they are lost to the other processes.
    pub fn has_unwritten_tokens(&self) -> bool {
        self.unwritten
    }

    /// What to do at `now_ms` (Unix milliseconds).
    pub fn poll(&mut self, now_ms: u64) -> FleetAction {
        match self.phase {
            Phase::Reading(_)
            | Phase::Leasing
            | Phase::Writing { .. }
            | Phase::Releasing
            | Phase::Confirming
            | Phase::Quarantining => FleetAction::WaitLocal,
            Phase::Renewing => match self.session.poll_action(now_ms / 1000) {
                // The answer is not in yet: the current token still works.
                SessionAction::UseToken(token) => FleetAction::UseToken(token),
                _ => FleetAction::WaitLocal,
            },
            Phase::ReadDue(purpose) => self.store(Phase::Reading(purpose), StoreOperation::Get),
            Phase::LeaseHeld => self.poll_under_lease(now_ms),
            Phase::Waiting { next_read_ms } => {
                let since = *self.waiting_since_ms.get_or_insert(now_ms);
                if now_ms.saturating_sub(since) >= self.timings.wait_deadline_ms {
                    self.waiting_since_ms = None;
                    self.phase = Phase::Idle;
                    return FleetAction::Fail(
                        Error::new(
                            ErrorKind::TemporarilyUnavailable,
                            "another process has been renewing this connection's tokens \
                             for longer than the wait deadline",
                        )
                        .with_retry_after(Some(1)),
                    );
                }
                if now_ms < next_read_ms {
                    FleetAction::Sleep {
                        millis: next_read_ms - now_ms,
                    }
                } else {
                    self.store(Phase::Reading(ReadPurpose::Check), StoreOperation::Get)
                }
            }
            Phase::Idle => self.poll_idle(now_ms),
        }
    }

    fn poll_idle(&mut self, now_ms: u64) -> FleetAction {
        let now = now_ms / 1000;
        if self.store_retry_at_ms.is_some_and(|at| now_ms < at) {
            // The store is unreachable: a valid local token is the best
            // there is; renewing without the lease could replay a rotated
            // refresh token, so that waits for the store.
            if !self.session.wants_renewal(now) {
                if let SessionAction::UseToken(token) = self.session.poll_action(now) {
                    return FleetAction::UseToken(token);
                }
            }
            return FleetAction::Fail(self.store_error(now_ms));
        }
        if self.store_lost {
            // Before writing our copy back: a process that renews after
            // reading that copy (its holder's tokens may be stale while a
            // renewal was in flight when the store lost everything) must
            // find the lease taken. It expires on its own.
            // Under an owner name of its own, so that this process's own
            // renewals wait for it too.
            let operation = StoreOperation::TakeLease {
                owner: format!("{}:quarantine", self.owner),
                ttl_ms: self.timings.lease_ttl_ms,
            };
            return self.store(Phase::Quarantining, operation);
        }
        if self.unwritten {
            return self.write();
        }
        let fresh = self.just_read
            || self
                .read_at_ms
                .is_some_and(|at| now_ms < at.saturating_add(self.timings.fresh_for_ms));
        if !fresh {
            return self.store(Phase::Reading(ReadPurpose::Check), StoreOperation::Get);
        }
        if self.session.wants_renewal(now) {
            if self.renewals_held(now_ms) {
                // Read again at the next call; meanwhile a valid token serves.
                self.just_read = false;
                if let Some(tokens) = self.session.token_set().filter(|t| t.is_access_valid(now)) {
                    return FleetAction::UseToken(tokens.access_token().clone());
                }
                // Not a sleep: a caller kept here for the whole hold is a
                // thread that does not use this process's other
                // connections, whose unwritten tokens may be the later ones
                // this hold waits for. They may land any moment, hence 1 s.
                return FleetAction::Fail(
                    Error::new(
                        ErrorKind::TemporarilyUnavailable,
                        "the token store lost this connection's tokens: renewals wait \
                         until a process that renewed meanwhile has written its tokens back",
                    )
                    .with_retry_after(Some(1)),
                );
            }
            let operation = StoreOperation::TakeLease {
                owner: self.owner.clone(),
                ttl_ms: self.timings.lease_ttl_ms,
            };
            self.lease_asked_at_ms = now_ms;
            return self.store(Phase::Leasing, operation);
        }
        self.just_read = false;
        match self.session.poll_action(now) {
            SessionAction::UseToken(token) => {
                self.waiting_since_ms = None;
                FleetAction::UseToken(token)
            }
            SessionAction::Stop(error) => FleetAction::Fail(error),
            SessionAction::Wait { .. } => FleetAction::Fail(self.session.wait_error()),
            // `wants_renewal` said no at this `now`, so the session sends
            // nothing here; were it to, the answer would still be written
            // with compare-and-set, never blindly.
            SessionAction::Send(outgoing) => {
                self.phase = Phase::Renewing;
                FleetAction::Send(outgoing)
            }
        }
    }

    fn poll_under_lease(&mut self, now_ms: u64) -> FleetAction {
        let now = now_ms / 1000;
        if self.unwritten {
            return self.write();
        }
        if self.session.wants_renewal(now) && !self.renewals_held(now_ms) {
            // Confirmed, and not so long ago that it may have lapsed since
            // (this process stalled): else confirm it again.
            if !self.lease_confirmed || now_ms >= self.lease_valid_until_ms {
                self.lease_confirmed = false;
                let operation = StoreOperation::TakeLease {
                    owner: self.owner.clone(),
                    ttl_ms: self.timings.lease_ttl_ms,
                };
                self.lease_asked_at_ms = now_ms;
                return self.store(Phase::Confirming, operation);
            }
            self.lease_confirmed = false;
            if let SessionAction::Send(outgoing) = self.session.poll_action(now) {
                self.phase = Phase::Renewing;
                return FleetAction::Send(outgoing);
            }
        }
        // Renewed, found renewed by another process, or nothing to send:
        // the session says what callers get once the lease is released.
        let operation = StoreOperation::ReleaseLease {
            owner: self.owner.clone(),
        };
        self.store(Phase::Releasing, operation)
    }

    fn write(&mut self) -> FleetAction {
        let Some(tokens) = self.session.token_set() else {
            // Nothing to write: the session holds no tokens.
            self.unwritten = false;
            self.phase = self.resting_phase();
            return FleetAction::WaitLocal;
        };
        let value = tokens.to_json();
        let new_generation = if self.restoring {
            RESTORED | self.restorer | ((self.highest_count + 1) & COUNT)
        } else {
            // One more than both, each read without its restored mark:
            // taking the larger first and then dropping the mark could
            // give back the very generation the compare-and-set expects
            // (a restored own generation is larger than its plain
            // successor in the store), and a process that read that
            // generation before would then write over this value.
            (self.generation & !RESTORED).max(self.stored_generation & !RESTORED) + 1
        };
        self.written_value = Some(value.clone());
        let operation = StoreOperation::CompareAndSet {
            expected: self.stored_generation,
            new_generation,
            value,
        };
        self.store(Phase::Writing { new_generation }, operation)
    }

    fn store(&mut self, phase: Phase, operation: StoreOperation) -> FleetAction {
        let id = self.next_id;
        self.next_id += 1;
        self.outstanding = Some(id);
        self.phase = phase;
        let key = match operation {
            StoreOperation::TakeLease { .. } | StoreOperation::ReleaseLease { .. } => {
                self.key.lease.clone()
            }
            _ => self.key.tokens.clone(),
        };
        FleetAction::Store(StoreRequest {
            id: StoreRequestId(id),
            key,
            operation,
        })
    }

    /// Until when a lease taken by the request asked for last is surely
    /// ours: its time to live started no earlier than the asking.
    fn lease_until(&self) -> u64 {
        self.lease_asked_at_ms
            .saturating_add(self.timings.lease_ttl_ms)
    }

    /// Whether renewals wait at `now_ms` (the store lost its value).
    fn renewals_held(&self, now_ms: u64) -> bool {
        self.renewals_held_until_ms
            .is_some_and(|until| now_ms < until)
    }

    fn resting_phase(&self) -> Phase {
        if self.holds_lease {
            Phase::LeaseHeld
        } else {
            Phase::Idle
        }
    }

    fn store_error(&self, now_ms: u64) -> Error {
        let retry_after = self
            .store_retry_at_ms
            .map(|at| at.saturating_sub(now_ms).div_ceil(1000).max(1));
        self.store_error
            .clone()
            .unwrap_or_else(|| Error::new(ErrorKind::StoreUnavailable, "token store: unreachable"))
            .with_retry_after(retry_after)
    }

    /// Takes the outcome of store request `id`, carried out at `now_ms`.
    /// Returns an error only for a stored value that cannot be read; it is
    /// then treated as absent, and overwritten if this process has tokens.
    pub fn handle_store(
        &mut self,
        id: StoreRequestId,
        now_ms: u64,
        outcome: StoreOutcome,
    ) -> Result<()> {
        if self.outstanding != Some(id.0) {
            return Ok(());
        }
        self.outstanding = None;
        self.store_retry_at_ms = None;
        self.store_error = None;
        match (self.phase, outcome) {
            (Phase::Reading(purpose), StoreOutcome::Got(record)) => {
                return self.handle_read(purpose, now_ms, record);
            }
            (Phase::Leasing, StoreOutcome::Done(true)) => {
                self.holds_lease = true;
                self.lease_valid_until_ms = self.lease_until();
                self.waiting_since_ms = None;
                self.phase = Phase::ReadDue(ReadPurpose::UnderLease);
            }
            (Phase::Leasing, StoreOutcome::Done(false)) => {
                self.waiting_since_ms.get_or_insert(now_ms);
                self.just_read = false;
                self.phase = Phase::Waiting {
                    next_read_ms: now_ms.saturating_add(self.timings.recheck_ms),
                };
            }
            (Phase::Writing { new_generation }, StoreOutcome::Done(true)) => {
                self.highest_count = self.highest_count.max(new_generation & COUNT);
                self.restoring = false;
                self.known_value = self.written_value.take();
                self.generation = new_generation;
                self.stored_generation = new_generation;
                self.unwritten = false;
                self.just_read = true;
                self.read_at_ms = Some(now_ms);
                self.phase = self.resting_phase();
            }
            // Another process wrote since we read: see what it wrote.
            (Phase::Writing { .. }, StoreOutcome::Done(false)) => {
                self.phase = Phase::ReadDue(ReadPurpose::AfterConflict);
            }
            (Phase::Releasing, StoreOutcome::Done(_)) => {
                self.holds_lease = false;
                self.phase = Phase::Idle;
            }
            (Phase::Confirming, StoreOutcome::Done(true)) => {
                // Taken again after it may have lapsed (this process
                // stalled): meanwhile another process may have taken it,
                // renewed and released it, so read again before renewing.
                let lapsed = now_ms >= self.lease_valid_until_ms;
                self.lease_valid_until_ms = self.lease_until();
                self.lease_confirmed = true;
                self.phase = if lapsed {
                    Phase::ReadDue(ReadPurpose::UnderLease)
                } else {
                    Phase::LeaseHeld
                };
            }
            // Someone else holds it now: wait for their renewal.
            (Phase::Confirming, StoreOutcome::Done(false)) => {
                self.holds_lease = false;
                self.just_read = false;
                self.waiting_since_ms.get_or_insert(now_ms);
                self.phase = Phase::Waiting {
                    next_read_ms: now_ms.saturating_add(self.timings.recheck_ms),
                };
            }
            // Taken or not (another process that found the value gone took
            // it first), nobody renews before it expires.
            (Phase::Quarantining, StoreOutcome::Done(_)) => {
                self.store_lost = false;
                self.phase = Phase::Idle;
            }
            // An answer of the wrong shape: the store is broken; start over.
            _ => {
                self.holds_lease = false;
                self.just_read = false;
                self.phase = Phase::Idle;
            }
        }
        Ok(())
    }

    fn handle_read(
        &mut self,
        purpose: ReadPurpose,
        now_ms: u64,
        record: Option<StoredRecord>,
    ) -> Result<()> {
        let mut unreadable = None;
        match record {
            None if self.generation > 0 => {
                // The store lost the value (restarted without persistence,
                // flushed, evicted), and with it any lease: a process
                // renewing right then still holds new tokens it will write.
                // Renewing before it has could send the refresh token it
                // just rotated, so wait a lease's time to live.
                self.stored_generation = 0;
                self.renewals_held_until_ms =
                    Some(now_ms.saturating_add(self.timings.lease_ttl_ms));
                self.store_lost = true;
                self.restoring = true;
                // A lease held before went with the value.
                self.holds_lease = false;
            }
            None => self.stored_generation = 0,
            Some(record) => {
                self.stored_generation = record.generation;
                self.highest_count = self.highest_count.max(record.generation & COUNT);
                if record.generation & RESTORED != 0
                    && self.restored_seen != Some(record.generation)
                {
                    self.restored_seen = Some(record.generation);
                    let until = now_ms.saturating_add(self.timings.lease_ttl_ms);
                    self.renewals_held_until_ms =
                        Some(self.renewals_held_until_ms.map_or(until, |u| u.max(until)));
                }
                // Generations restart when a store loses everything, so a
                // value is known only if it is also the one read or written.
                let known = record.generation == self.generation
                    && self.known_value.as_ref() == Some(&record.value)
                    && !self.unwritten
                    && self.session.token_set().is_some();
                if !known {
                    match TokenSet::from_json(&record.value) {
                        Ok(theirs) => self.take_stored(record.generation, theirs, record.value),
                        Err(error) => unreadable = Some(error),
                    }
                }
            }
        }
        if self.stored_generation == 0 || unreadable.is_some() {
            // Nothing usable stored (a store restarted without persistence,
            // a corrupt value): ours, if any, goes in.
            self.unwritten = self.session.token_set().is_some();
        }
        self.just_read = true;
        self.read_at_ms = Some(now_ms);
        self.phase = match purpose {
            ReadPurpose::UnderLease if self.holds_lease => Phase::LeaseHeld,
            _ => self.resting_phase(),
        };
        unreadable.map_or(Ok(()), Err)
    }

    /// Adopts a stored set, unless the local one is later in the
    /// connection's history (two processes renewed at once, or the store
    /// lost a write and got an earlier copy back): then ours is written over
    /// theirs. Sets are ordered by their history
    /// ([`TokenSet::renewals`]), never by the clocks of the machines
    /// that received them; at the same place, the store's copy wins.
    fn take_stored(&mut self, generation: u64, theirs: TokenSet, value: Zeroizing<String>) {
        if let Some(ours) = self.session.token_set() {
            // Renewals only ever store later sets; an earlier one is a stale
            // copy written back after the store lost everything (or a lost
            // race): ours goes over it.
            if ours.is_later_than(&theirs) {
                self.unwritten = true;
                return;
            }
        }
        // Its times are in the clock of the machine that received it: into
        // ours, through the provider's clock, before the session plans by
        // them. Until this process has measured its own skew, its clock is
        // taken to agree with the provider's.
        self.session
            .adopt(Some(theirs.in_clock(self.own_skew.unwrap_or(0))));
        self.generation = generation;
        self.known_value = Some(value);
        self.unwritten = false;
    }

    /// Takes the news that store request `id` failed (`what`: a text for
    /// the error, which must not contain the stored values). Tokens not yet
    /// written are kept and written when the store answers again.
    pub fn handle_store_error(&mut self, id: StoreRequestId, now_ms: u64, what: &str) {
        if self.outstanding != Some(id.0) {
            return;
        }
        self.outstanding = None;
        self.store_retry_at_ms = Some(now_ms.saturating_add(self.timings.store_retry_ms));
        self.store_error = Some(Error::new(
            ErrorKind::StoreUnavailable,
            format!("token store: {what}"),
        ));
        // A lease we may still hold in the store expires on its own.
        self.holds_lease = false;
        self.just_read = false;
        self.phase = Phase::Idle;
    }

    /// Takes what carrying out store request `id` gave: its outcome
    /// ([`FleetSession::handle_store`]) or the store's failure, a text
    /// without the values ([`FleetSession::handle_store_error`]). Every
    /// driver hands store results back through here.
    pub fn handle_store_result(
        &mut self,
        id: StoreRequestId,
        now_ms: u64,
        result: std::result::Result<StoreOutcome, String>,
    ) -> Result<()> {
        match result {
            Ok(outcome) => self.handle_store(id, now_ms, outcome),
            Err(what) => {
                self.handle_store_error(id, now_ms, &what);
                Ok(())
            }
        }
    }

    /// Takes what sending renewal `outgoing` gave: the provider's answer or
    /// the transport's failure, which may quote the request and so loses
    /// its secrets first. Every driver hands renewal answers back through
    /// here.
    pub fn handle_answer(
        &mut self,
        outgoing: &OutgoingRequest,
        now_ms: u64,
        answer: &std::result::Result<HttpResponse, Error>,
    ) -> Result<SessionUpdate> {
        match answer {
            Ok(response) => self.handle_response(outgoing.id, now_ms, response),
            Err(error) => self.handle_transport_error(
                outgoing.id,
                now_ms,
                &error.clone().without_secrets_of(&outgoing.request),
            ),
        }
    }

    /// Takes the answer to renewal request `id`, received at `now_ms`; the
    /// result is the session's ([`Session::handle_response`]).
    pub fn handle_response(
        &mut self,
        id: RequestId,
        now_ms: u64,
        response: &HttpResponse,
    ) -> Result<SessionUpdate> {
        self.renewal_outcome(now_ms, |session| {
            session.handle_response(id, now_ms / 1000, response)
        })
    }

    /// Takes the news that renewal request `id` got no answer (see
    /// [`Session::handle_transport_error`]).
    pub fn handle_transport_error(
        &mut self,
        id: RequestId,
        now_ms: u64,
        failure: &Error,
    ) -> Result<SessionUpdate> {
        self.renewal_outcome(now_ms, |session| {
            session.handle_transport_error(id, now_ms / 1000, failure)
        })
    }

    /// Hands a renewal's outcome to the session, then notes what the store
    /// must learn.
    fn renewal_outcome(
        &mut self,
        now_ms: u64,
        handle: impl FnOnce(&mut Session) -> Result<SessionUpdate>,
    ) -> Result<SessionUpdate> {
        if self.phase != Phase::Renewing {
            return Ok(SessionUpdate::Discarded);
        }
        let handled = handle(&mut self.session);
        if matches!(handled, Ok(SessionUpdate::Renewed)) {
            self.own_skew = self.session.token_set().map(TokenSet::clock_skew);
        }
        if !matches!(handled, Ok(SessionUpdate::Discarded)) {
            self.after_renewal(now_ms);
        }
        handled
    }

    fn after_renewal(&mut self, now_ms: u64) {
        // New tokens, or a refresh token found dead: the store must know.
        if self.session.poll_persist(now_ms / 1000).is_some() {
            self.unwritten = true;
        }
        self.phase = self.resting_phase();
    }

    /// Takes an API's 401 for `token`: the next poll reads the store (another
    /// process may have renewed) and renews only if it holds nothing newer.
    pub fn handle_unauthorized(&mut self, token: &AccessToken) {
        self.session.handle_unauthorized(token);
        self.just_read = false;
        self.read_at_ms = None;
    }
}

/// A lease owner id from 16 random bytes, in hex.
pub fn owner_id(random: &[u8; 16]) -> String {
    random.iter().map(|b| format!("{b:02x}")).collect()
}
