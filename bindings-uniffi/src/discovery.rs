//! Authorization server metadata (RFC 8414, OpenID Connect discovery).

use crate::error::Result;
use crate::http::{HttpRequest, HttpResponse};
use crate::profile::Profile;
use authflowkit_core::DiscoveryDocument;
use std::sync::Arc;

/// The metadata of an authorization server.
#[derive(Debug, Clone, PartialEq, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct ProviderMetadata(pub(crate) authflowkit_core::ProviderMetadata);

#[uniffi::export]
impl ProviderMetadata {
    /// The issuer identifier (checked equal to the one asked for).
    pub fn issuer(&self) -> String {
        self.0.issuer.clone()
    }
    /// `authorization_endpoint`
    pub fn authorization_endpoint(&self) -> Option<String> {
        self.0.authorization_endpoint.clone()
    }
    /// `token_endpoint`
    pub fn token_endpoint(&self) -> Option<String> {
        self.0.token_endpoint.clone()
    }
    /// `revocation_endpoint`
    pub fn revocation_endpoint(&self) -> Option<String> {
        self.0.revocation_endpoint.clone()
    }
    /// `introspection_endpoint`
    pub fn introspection_endpoint(&self) -> Option<String> {
        self.0.introspection_endpoint.clone()
    }
    /// `grant_types_supported`
    pub fn grant_types_supported(&self) -> Vec<String> {
        self.0.grant_types_supported.clone()
    }
    /// `scopes_supported`
    pub fn scopes_supported(&self) -> Vec<String> {
        self.0.scopes_supported.clone()
    }
    /// `token_endpoint_auth_methods_supported`
    pub fn token_endpoint_auth_methods_supported(&self) -> Vec<String> {
        self.0.token_endpoint_auth_methods_supported.clone()
    }
    /// `code_challenge_methods_supported`
    pub fn code_challenge_methods_supported(&self) -> Vec<String> {
        self.0.code_challenge_methods_supported.clone()
    }
    /// `authorization_response_iss_parameter_supported` (RFC 9207)
    pub fn authorization_response_iss_parameter_supported(&self) -> bool {
        self.0.authorization_response_iss_parameter_supported
    }
    /// `jwks_uri` (OpenID Connect Discovery 1.0 §3)
    pub fn jwks_uri(&self) -> Option<String> {
        self.0.jwks_uri.clone()
    }
    /// `userinfo_endpoint` (OpenID Connect Discovery 1.0 §3)
    pub fn userinfo_endpoint(&self) -> Option<String> {
        self.0.userinfo_endpoint.clone()
    }
    /// `end_session_endpoint` (OpenID Connect RP-Initiated Logout 1.0 §2.1)
    pub fn end_session_endpoint(&self) -> Option<String> {
        self.0.end_session_endpoint.clone()
    }
    /// `id_token_signing_alg_values_supported` (OpenID Connect Discovery 1.0 §3)
    pub fn id_token_signing_alg_values_supported(&self) -> Vec<String> {
        self.0.id_token_signing_alg_values_supported.clone()
    }
    /// `pushed_authorization_request_endpoint` (RFC 9126 §5)
    pub fn pushed_authorization_request_endpoint(&self) -> Option<String> {
        self.0.pushed_authorization_request_endpoint.clone()
    }
    /// `require_pushed_authorization_requests` (RFC 9126 §5)
    pub fn require_pushed_authorization_requests(&self) -> bool {
        self.0.require_pushed_authorization_requests
    }
    /// Every other member, as a JSON object.
    pub fn extra_json(&self) -> String {
        authflowkit_core::json::object_to_json(&self.0.extra)
    }
    /// A generic profile for this server (endpoints checked, client
    /// authentication and PKCE chosen from what it offers).
    pub fn profile(&self) -> Result<Arc<Profile>> {
        Ok(Arc::new(Profile(self.0.profile()?)))
    }
}

/// The request for an issuer's metadata document.
#[uniffi::export]
pub fn discovery_request(issuer: String, document: DiscoveryDocument) -> Result<HttpRequest> {
    Ok(authflowkit_core::discovery_request(&issuer, document)?.into())
}

/// Reads a metadata document; its issuer must equal `expected_issuer`.
#[uniffi::export]
pub fn parse_discovery_response(
    expected_issuer: String,
    response: HttpResponse,
) -> Result<Arc<ProviderMetadata>> {
    Ok(Arc::new(ProviderMetadata(
        authflowkit_core::parse_discovery_response(&expected_issuer, &response.to_core())?,
    )))
}
