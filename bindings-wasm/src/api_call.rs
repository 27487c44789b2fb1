//! `Session.fetch` of the Node.js entry: API calls with the session's
//! token, by the core's rules (RFC 6750 §2.1; the token goes only below
//! the profile's API base; a DPoP-bound token with a proof, RFC 9449 §7).
//! JavaScript (`npm/node/index.js` `Session`) sends [`ApiCall::request`]
//! and hands the answer back. Not in the
//! browser module: it costs 7 KB gzip, over the browser's size budget
//! (`SIZE.md`).

use crate::browser;
use crate::convert::{error_to_js, request_parts, response_from_js};
use crate::options::read_api_request;
use crate::session::{SessionMachine, State};
use crate::token_call::no_response;
use authflowkit_core::{AccessToken, ApiAnswer, Error, HttpRequest};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl SessionMachine {
    /// An API call with `token` (the string [`Self::next`] gave) to `path`
    /// as `init` (`{ method, json, headers }`) says; `retry`: a 401 has it
    /// renew and ask again. Throws an `AuthflowError` for a wrong option.
    #[wasm_bindgen(js_name = apiCall)]
    pub fn api_call(
        &self,
        token: String,
        path: &str,
        init: JsValue,
        retry: bool,
    ) -> Result<ApiCall, JsValue> {
        let mut state = self.state.borrow_mut();
        // The session's own token, which knows whether it is DPoP-bound
        // (the string alone does not).
        let token = state
            .session
            .token_set()
            .map(|tokens| tokens.access_token().clone())
            .filter(|held| held.secret() == token)
            .unwrap_or_else(|| AccessToken::new(token));
        // With the time, entropy and nonces a DPoP proof needs.
        let client = state
            .session
            .client_for_request(browser::now())
            .map_err(|e| error_to_js(&e))?;
        let request =
            read_api_request(&client, &token, path, &init).map_err(|e| error_to_js(&e))?;
        Ok(ApiCall {
            state: Rc::clone(&self.state),
            token,
            request: RefCell::new(request),
            retry,
            #[cfg(feature = "dpop")]
            nonce_retried: std::cell::Cell::new(false),
        })
    }
}

/// An API request on its way (the Node.js entry's `Session.fetch`): JavaScript sends [`ApiCall::request`] and
/// hands the answer to [`ApiCall::finish`] or what `send` threw to
/// [`ApiCall::failed`]. Not part of the API.
#[wasm_bindgen(skip_typescript)]
pub struct ApiCall {
    state: Rc<RefCell<State>>,
    token: AccessToken,
    request: RefCell<HttpRequest>,
    retry: bool,
    /// The one retry a DPoP nonce demand earns (RFC 9449 §9).
    #[cfg(feature = "dpop")]
    nonce_retried: std::cell::Cell<bool>,
}

#[wasm_bindgen]
impl ApiCall {
    /// `[method, url, headers, body]` for `send`.
    pub fn request(&self) -> JsValue {
        request_parts(&self.request.borrow())
    }

    /// Reads the API's answer (`[status, headers, body]`): `true` for a
    /// 2xx, `false` when the token was refused and the call is to be made
    /// again after a renewal, `undefined` (with a DPoP-bound token) when
    /// the server asked for a nonce and the request, with a new proof, is
    /// to be sent once more; throws the `AuthflowError` for any other
    /// answer.
    pub fn finish(&self, response: JsValue) -> Result<Option<bool>, JsValue> {
        let js = |e: Error| error_to_js(&e.without_secrets_of(&self.request.borrow()));
        let response = response_from_js(&response).map_err(js)?;
        let mut state = self.state.borrow_mut();
        #[cfg(feature = "dpop")]
        if state
            .session
            .handle_dpop_response(&self.request.borrow(), &response)
            && !self.nonce_retried.replace(true)
        {
            let client = state
                .session
                .client_for_request(browser::now())
                .map_err(js)?;
            let renewed = client
                .with_new_dpop_proof(self.request.borrow().clone())
                .map_err(js)?;
            *self.request.borrow_mut() = renewed;
            return Ok(None);
        }
        let answer = state
            .session
            .client()
            .read_api_answer(browser::now(), &response, self.retry);
        match answer {
            ApiAnswer::Done => Ok(Some(true)),
            ApiAnswer::RenewAndRetry => {
                state.session.handle_unauthorized(&self.token);
                Ok(Some(false))
            }
            ApiAnswer::Failed(error) => Err(js(error)),
        }
    }

    /// The `AuthflowError` for a call that got no response.
    pub fn failed(&self, thrown: JsValue) -> JsValue {
        no_response(&thrown, &self.request.borrow())
    }
}
