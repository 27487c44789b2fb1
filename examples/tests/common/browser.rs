//! A scripted browser for an authorization server's login and consent
//! pages: it sends requests through [`authflow_examples::Transport`] (which
//! never follows redirects), follows redirects by hand, keeps cookies, reads
//! `<form>`s and links out of the HTML and submits forms the way a browser
//! does (`application/x-www-form-urlencoded`, hidden inputs included).
//!
//! It stops at a redirect to the app's redirect URI and returns that URL,
//! which is what the app's callback handler would receive; nothing listens
//! on the redirect URI.
//!
//! Limits, fine for one local test server: one host (cookies are matched by
//! path only, not by domain or port), no JavaScript, and the HTML is read
//! with a small tag scanner rather than a full parser.

use authflow_examples::Transport;
use authflowkit_core::{HttpRequest, HttpResponse, Method};
use std::time::Duration;

/// Redirects followed in one navigation before giving up.
const MAX_REDIRECTS: usize = 20;

/// One response, as the browser saw it.
#[derive(Debug)]
pub struct Page {
    /// The URL that was requested.
    pub url: String,
    /// The status.
    pub status: u16,
    /// The absolute target of a redirect (3xx with `Location`).
    pub location: Option<String>,
    /// The body as text.
    pub body: String,
}

/// Where a navigation ended.
#[derive(Debug)]
pub enum Navigation {
    /// A page that is not a redirect.
    Page(Page),
    /// A redirect to the URL given as the stop: the app's callback URL.
    Callback(String),
}

/// Cookies and a transport.
pub struct Browser {
    transport: Transport,
    jar: CookieJar,
}

impl Default for Browser {
    fn default() -> Self {
        Browser::new()
    }
}

impl Browser {
    /// A browser with an empty cookie jar.
    pub fn new() -> Browser {
        Browser {
            transport: Transport::new(Duration::from_secs(10)),
            jar: CookieJar::default(),
        }
    }

    /// The cookie jar.
    pub fn cookies(&self) -> &CookieJar {
        &self.jar
    }

    /// `GET url`, without following a redirect.
    pub fn get(&mut self, url: &str) -> Page {
        self.send(Method::Get, url, None)
    }

    /// Submits `form` with its fields, without following a redirect.
    pub fn submit(&mut self, page: &Page, form: &Form) -> Page {
        let action = resolve(&page.url, &form.action);
        if form.method.eq_ignore_ascii_case("get") {
            let query = encode_form(&form.fields());
            let base = action.split('?').next().unwrap_or_default();
            self.get(&format!("{base}?{query}"))
        } else {
            let body = encode_form(&form.fields()).into_bytes();
            self.send(Method::Post, &action, Some(body))
        }
    }

    /// `GET url` and follow redirects until a page that is not a redirect,
    /// or a redirect to `stop_at` (an exact URL, or that URL with a query).
    pub fn navigate(&mut self, url: &str, stop_at: &str) -> Navigation {
        let page = self.get(url);
        self.follow(page, stop_at)
    }

    /// Follows `page` if it is a redirect, as [`Browser::navigate`] does.
    pub fn follow(&mut self, mut page: Page, stop_at: &str) -> Navigation {
        for _ in 0..MAX_REDIRECTS {
            let Some(location) = page.location.take() else {
                return Navigation::Page(page);
            };
            if is_at(&location, stop_at) {
                return Navigation::Callback(location);
            }
            page = self.get(&location);
        }
        panic!("more than {MAX_REDIRECTS} redirects from {}", page.url)
    }

    fn send(&mut self, method: Method, url: &str, form_body: Option<Vec<u8>>) -> Page {
        let mut headers = vec![(
            "Accept".to_owned(),
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8".to_owned(),
        )];
        if let Some(cookie) = self.jar.header_for(url) {
            headers.push(("Cookie".to_owned(), cookie));
        }
        if form_body.is_some() {
            headers.push((
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        let request = HttpRequest {
            method,
            url: url.to_owned(),
            headers,
            body: form_body.unwrap_or_default().into(),
        };
        let response: HttpResponse = self
            .transport
            .send(&request)
            .unwrap_or_else(|e| panic!("{} {url}: {e}", method.as_str()));
        for (name, value) in &response.headers {
            if name.eq_ignore_ascii_case("set-cookie") {
                self.jar.store(url, value);
            }
        }
        let location = match response.status {
            300..=399 => response.header("Location").map(|l| resolve(url, l)),
            _ => None,
        };
        Page {
            url: url.to_owned(),
            status: response.status,
            location,
            body: String::from_utf8_lossy(&response.body).into_owned(),
        }
    }
}

/// Whether `url` is `target` or `target?…`.
fn is_at(url: &str, target: &str) -> bool {
    url.strip_prefix(target)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('?'))
}

// ----- cookies -----

#[derive(Debug, Clone)]
struct Cookie {
    name: String,
    value: String,
    path: String,
}

/// Cookies of one host, matched by path (RFC 6265 §5.1.4), replaced by
/// name and path, removed when a `Max-Age` ≤ 0 or a past `Expires` says so.
#[derive(Debug, Default)]
pub struct CookieJar {
    cookies: Vec<Cookie>,
}

impl CookieJar {
    /// The names of the cookies held.
    pub fn names(&self) -> Vec<&str> {
        self.cookies.iter().map(|c| c.name.as_str()).collect()
    }

    /// Takes one `Set-Cookie` header received for `url`.
    pub fn store(&mut self, url: &str, header: &str) {
        let mut parts = header.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
        if name.is_empty() {
            return;
        }
        let mut path = None;
        let mut expired = false;
        for attribute in parts {
            let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
            let (key, val) = (key.trim(), val.trim());
            if key.eq_ignore_ascii_case("path") && val.starts_with('/') {
                path = Some(val.to_owned());
            } else if key.eq_ignore_ascii_case("max-age") {
                expired |= val.parse::<i64>().is_ok_and(|age| age <= 0);
            } else if key.eq_ignore_ascii_case("expires") {
                expired |= http_date(val).is_some_and(|at| at <= authflow_examples::unix_now());
            }
        }
        let path = path.unwrap_or_else(|| default_path(url));
        self.cookies.retain(|c| !(c.name == name && c.path == path));
        if !expired {
            self.cookies.push(Cookie { name, value, path });
        }
    }

    /// The `Cookie` header for a request to `url`, longest paths first.
    pub fn header_for(&self, url: &str) -> Option<String> {
        let path = url_path(url);
        let mut matching: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| path_matches(&path, &c.path))
            .collect();
        if matching.is_empty() {
            return None;
        }
        matching.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        Some(
            matching
                .iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// RFC 6265 §5.1.4.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || request_path[cookie_path.len()..].starts_with('/')))
}

/// RFC 6265 §5.1.4: the request path up to its last `/`.
fn default_path(url: &str) -> String {
    let path = url_path(url);
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path[..i].to_owned(),
    }
}

/// The path of an absolute URL, without query or fragment.
fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or("/").to_owned()
}

/// `Thu, 01 Jan 1970 00:00:00 GMT` (RFC 7231 IMF-fixdate) as Unix seconds.
fn http_date(value: &str) -> Option<u64> {
    let mut fields = value.split_whitespace().skip(1);
    let day: u64 = fields.next()?.parse().ok()?;
    let month = fields.next()?;
    let year: u64 = fields.next()?.parse().ok()?;
    let mut clock = fields.next()?.split(':').map(str::parse::<u64>);
    let (h, m, s) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u64 + 1;
    if year < 1970 {
        return Some(0);
    }
    // Days from 1970-01-01 to the date (H. Hinnant's days_from_civil).
    let (y, mth) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y % 400;
    let doy = (153 * mth + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

// ----- URLs and forms -----

/// `reference` resolved against the absolute URL `base` (absolute URLs,
/// absolute paths, and query-only or relative paths).
pub fn resolve(base: &str, reference: &str) -> String {
    if reference.contains("://") {
        return reference.to_owned();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let origin = format!("{scheme}://{authority}");
    let base_path = url_path(base);
    if reference.is_empty() {
        base.split('#').next().unwrap_or(base).to_owned()
    } else if reference.starts_with('/') {
        format!("{origin}{reference}")
    } else if reference.starts_with('?') {
        format!("{origin}{base_path}{reference}")
    } else {
        let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
        format!("{origin}{dir}{reference}")
    }
}

/// `application/x-www-form-urlencoded`, as a browser encodes a form.
pub fn encode_form(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", form_escape(name), form_escape(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn form_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// One `<input>` of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// `type`, lower case (`text` when absent).
    pub kind: String,
    /// `name`.
    pub name: String,
    /// `value` (what the user typed, once set).
    pub value: String,
}

/// One `<form>` of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// `action`, as written (resolve it against the page's URL).
    pub action: String,
    /// `method`, `get` when absent.
    pub method: String,
    /// Its named inputs, in document order.
    pub inputs: Vec<Input>,
}

impl Form {
    /// The value of the input `name`, if the form has one.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.inputs
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.value.as_str())
    }

    /// Types `value` into the input `name`; panics if the form has none.
    pub fn fill(&mut self, name: &str, value: &str) -> &mut Form {
        let input = self
            .inputs
            .iter_mut()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("the form has no input {name:?}"));
        input.value = value.to_owned();
        self
    }

    /// What a browser sends: every named input except buttons, checkboxes
    /// and radios (which this browser never ticks).
    pub fn fields(&self) -> Vec<(String, String)> {
        self.inputs
            .iter()
            .filter(|i| {
                !matches!(
                    i.kind.as_str(),
                    "submit" | "button" | "image" | "reset" | "checkbox" | "radio" | "file"
                )
            })
            .map(|i| (i.name.clone(), i.value.clone()))
            .collect()
    }
}

/// The forms of a page.
pub fn forms(html: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    let mut rest = html;
    while let Some((attributes, after)) = next_tag(rest, "form") {
        let end = find_ci(after, "</form").unwrap_or(after.len());
        let (inner, next) = after.split_at(end);
        let mut inputs = Vec::new();
        let mut scan = inner;
        while let Some((input, after_input)) = next_tag(scan, "input") {
            if let Some(name) = attribute(&input, "name") {
                inputs.push(Input {
                    kind: attribute(&input, "type")
                        .unwrap_or_else(|| "text".to_owned())
                        .to_ascii_lowercase(),
                    name,
                    value: attribute(&input, "value").unwrap_or_default(),
                });
            }
            scan = after_input;
        }
        forms.push(Form {
            action: attribute(&attributes, "action").unwrap_or_default(),
            method: attribute(&attributes, "method")
                .unwrap_or_else(|| "get".to_owned())
                .to_ascii_lowercase(),
            inputs,
        });
        rest = next;
    }
    forms
}

/// The `href`s of a page's links, with their text (tags removed, trimmed).
pub fn links(html: &str) -> Vec<(String, String)> {
    let mut links = Vec::new();
    let mut rest = html;
    while let Some((attributes, after)) = next_tag(rest, "a") {
        let end = find_ci(after, "</a").unwrap_or(after.len());
        if let Some(href) = attribute(&attributes, "href") {
            links.push((href, text_of(&after[..end])));
        }
        rest = &after[end..];
    }
    links
}

fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    decode_entities(text.trim())
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

/// The next `<tag …>`: its attribute text and what follows the `>`.
fn next_tag<'a>(html: &'a str, tag: &str) -> Option<(String, &'a str)> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let mut from = 0;
    loop {
        let start = from + lower[from..].find(&open)?;
        let after_name = start + open.len();
        // `<a` must not match `<abbr`: the name ends at whitespace, `>` or `/`.
        match lower[after_name..].chars().next() {
            Some(c) if c.is_ascii_whitespace() || c == '>' || c == '/' => {}
            _ => {
                from = after_name;
                continue;
            }
        }
        let end = after_name + tag_end(&html[after_name..])?;
        let attributes = html[after_name..end].trim_end_matches('/').to_owned();
        return Some((attributes, &html[end + 1..]));
    }
}

/// The index of the `>` that closes a tag, skipping quoted values.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// An attribute's value (entities decoded); `Some("")` for a bare attribute.
fn attribute(attributes: &str, wanted: &str) -> Option<String> {
    let mut rest = attributes.trim_start();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        rest = rest[name_end..].trim_start();
        let mut value = String::new();
        if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            let (raw, remaining) = match after_eq.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after_eq[1..];
                    let close = body.find(q).unwrap_or(body.len());
                    (&body[..close], body.get(close + 1..).unwrap_or_default())
                }
                _ => {
                    let close = after_eq
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after_eq.len());
                    (&after_eq[..close], &after_eq[close..])
                }
            };
            value = decode_entities(raw);
            rest = remaining;
        } else if name.is_empty() {
            // A stray character (such as `/`): skip it.
            rest = rest.get(1..).unwrap_or_default();
        }
        if name.eq_ignore_ascii_case(wanted) {
            return Some(value);
        }
        rest = rest.trim_start();
    }
    None
}

/// The character references HTML templates emit in attribute values.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn forms_links_and_cookies_are_read_like_a_browser_reads_them() {
    let html = r#"<html><body><abbr>x</abbr>
      <form autocomplete="off" action="/interaction/u1?a=1&amp;b=2" method="post">
        <input type="hidden" name="prompt" value="login"/>
        <input required type="text" name="login" placeholder="Enter any login" autofocus="on">
        <input required type=password name='password'>
        <button type="submit">Sign-in</button>
      </form>
      <a class="x" href="/interaction/u1/abort">[ Cancel ]</a></body></html>"#;
    let found = forms(html);
    assert_eq!(found.len(), 1);
    let mut form = found[0].clone();
    assert_eq!(form.action, "/interaction/u1?a=1&b=2");
    assert_eq!(form.method, "post");
    assert_eq!(form.value("prompt"), Some("login"));
    form.fill("login", "alice").fill("password", "p w&");
    assert_eq!(
        encode_form(&form.fields()),
        "prompt=login&login=alice&password=p+w%26"
    );
    assert_eq!(
        links(html),
        vec![("/interaction/u1/abort".to_owned(), "[ Cancel ]".to_owned())]
    );
    assert_eq!(
        resolve("http://127.0.0.1:9/auth/x?y=1", "/interaction/u1"),
        "http://127.0.0.1:9/interaction/u1"
    );

    let mut jar = CookieJar::default();
    jar.store(
        "http://h/auth/x",
        "_interaction=1; path=/interaction/u1; httponly",
    );
    jar.store("http://h/auth/x", "_session=2; path=/; samesite=lax");
    assert_eq!(
        jar.header_for("http://h/interaction/u1?z").as_deref(),
        Some("_interaction=1; _session=2")
    );
    assert_eq!(
        jar.header_for("http://h/interaction/u10").as_deref(),
        Some("_session=2")
    );
    jar.store(
        "http://h/",
        "_session=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT",
    );
    assert_eq!(jar.header_for("http://h/"), None);
    assert_eq!(
        http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
        Some(784_111_777)
    );
}
