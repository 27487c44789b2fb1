//! Request parameters from a query string, a form body or a JSON object.
//!
//! One type for all three so the token handlers can apply the same OAuth
//! rules whatever the encoding: an empty value counts as absent (RFC 6749
//! §3.1) and a repeated parameter is an error.

use base64::Engine as _;

/// Ordered name/value pairs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Decodes `application/x-www-form-urlencoded` bytes (query or body).
    pub(crate) fn from_urlencoded(bytes: &[u8]) -> Self {
        Self {
            pairs: form_urlencoded::parse(bytes).into_owned().collect(),
        }
    }

    /// Takes the members of a JSON object whose values are strings.
    ///
    /// Numbers and booleans are rejected rather than coerced: a real server's
    /// strict parameter binding would not see them as the expected strings.
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON body: {e}"))?;
        let object = value
            .as_object()
            .ok_or_else(|| "the JSON body must be an object".to_owned())?;
        let mut pairs = Vec::with_capacity(object.len());
        for (name, value) in object {
            match value {
                serde_json::Value::String(s) => pairs.push((name.clone(), s.clone())),
                serde_json::Value::Null => {}
                _ => return Err(format!("parameter {name} must be a string")),
            }
        }
        Ok(Self { pairs })
    }

    /// The value of `name`, treating an empty value as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The first parameter name that appears more than once.
    pub(crate) fn repeated(&self) -> Option<&str> {
        self.pairs.iter().enumerate().find_map(|(i, (name, _))| {
            self.pairs[..i]
                .iter()
                .any(|(n, _)| n == name)
                .then_some(name.as_str())
        })
    }

    /// All pairs, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// Client credentials as presented: from HTTP Basic or from the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientCredentials {
    /// The client id, if any was sent.
    pub(crate) id: Option<String>,
    /// The client secret, if any was sent.
    pub(crate) secret: Option<String>,
    /// Whether they came in an `Authorization: Basic` header.
    pub(crate) basic: bool,
}

/// Reads the client's credentials: `client_secret_basic` (RFC 6749 §2.3.1:
/// id and secret are form-encoded, then base64'd) or `client_secret_post`.
/// Using both at once is an error (RFC 6749 §2.3).
pub(crate) fn client_credentials(
    authorization: Option<&str>,
    params: &Params,
) -> Result<ClientCredentials, &'static str> {
    let basic = authorization.and_then(|value| {
        let (scheme, rest) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("basic").then(|| rest.trim())
    });
    let Some(encoded) = basic else {
        return Ok(ClientCredentials {
            id: params.get("client_id").map(str::to_owned),
            secret: params.get("client_secret").map(str::to_owned),
            basic: false,
        });
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or("malformed Basic credentials")?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or("malformed Basic credentials")?;
    let (id, secret) = (form_decode(id)?, form_decode(secret)?);
    if params.get("client_secret").is_some() {
        return Err("more than one client authentication method was used");
    }
    if params.get("client_id").is_some_and(|body_id| body_id != id) {
        return Err("client_id in the body differs from the Basic credentials");
    }
    Ok(ClientCredentials {
        id: (!id.is_empty()).then_some(id),
        secret: (!secret.is_empty()).then_some(secret),
        basic: true,
    })
}

fn form_decode(part: &str) -> Result<String, &'static str> {
    percent_encoding::percent_decode_str(&part.replace('+', " "))
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| "malformed Basic credentials")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_absent_and_repeats_are_found() {
        let params = Params::from_urlencoded(b"a=1&b=&c=x+y&a=2");
        assert_eq!(params.get("a"), Some("1"));
        assert_eq!(params.get("b"), None);
        assert_eq!(params.get("c"), Some("x y"));
        assert_eq!(params.repeated(), Some("a"));
    }

    #[test]
    fn json_objects_of_strings_only() {
        assert!(Params::from_json(br#"{"a":"1"}"#).is_ok());
        assert!(Params::from_json(br#"{"a":1}"#).is_err());
        assert!(Params::from_json(b"[]").is_err());
        assert!(Params::from_json(b"{").is_err());
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        // "a%3Ab:s+t" base64-encoded.
        let header = "Basic YSUzQWI6cyt0";
        let creds = client_credentials(Some(header), &Params::default());
        assert_eq!(
            creds,
            Ok(ClientCredentials {
                id: Some("a:b".into()),
                secret: Some("s t".into()),
                basic: true
            })
        );
        let both = Params::from_urlencoded(b"client_secret=x");
        assert!(client_credentials(Some(header), &both).is_err());
    }
}
