//! `Session.fetch` of the Node.js entry: API calls with the session's
//! token, by the core's rules (RFC 6750 §2.1; the token goes only below
//! the profile's API base). JavaScript (`js/browser.js` `ServerSession`)
//! sends [`ApiCall::request`] and hands the answer back. Not in the
//! browser module: it costs 7 KB gzip, over the browser's size budget
//! (`SIZE.md`).

use crate::api::no_response;
use crate::browser;
use crate::convert::{error_to_js, request_parts, response_from_js};
use crate::options::read_api_request;
use crate::session::{SessionMachine, State};
use authflow_core::{AccessToken, Error, HttpRequest};
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
        let token = AccessToken::new(token);
        let state = self.state.borrow();
        let request = read_api_request(state.session.client(), &token, path, &init)
            .map_err(|e| error_to_js(&e))?;
        Ok(ApiCall {
            state: Rc::clone(&self.state),
            token,
            request,
            retry,
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
    request: HttpRequest,
    retry: bool,
}

#[wasm_bindgen]
impl ApiCall {
    /// `[method, url, headers, body]` for `send`.
    pub fn request(&self) -> JsValue {
        request_parts(&self.request)
    }

    /// Reads the API's answer (`[status, headers, body]`): `true` for a
    /// 2xx, `false` when the token was refused and the call is to be made
    /// again after a renewal; throws the `AuthflowError` for any other
    /// answer.
    pub fn finish(&self, response: JsValue) -> Result<bool, JsValue> {
        let js = |e: Error| error_to_js(&e.without_secrets_of(&self.request));
        let response = response_from_js(&response).map_err(js)?;
        let mut state = self.state.borrow_mut();
        if response.status == 401 && self.retry {
            state.session.handle_unauthorized(&self.token);
            return Ok(false);
        }
        state
            .session
            .client()
            .check_api_response(browser::now(), &response)
            .map_err(js)?;
        Ok(true)
    }

    /// The `AuthflowError` for a call that got no response.
    pub fn failed(&self, thrown: JsValue) -> JsValue {
        no_response(&thrown, &self.request)
    }
}
