//! Every fault mode, armed through the library and through the control API.

mod common;

use authflow_test_providers::credentials::{
    ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, LINK_CLIENT_ID, MAKESHIFT_KEY, MAKESHIFT_SECRET,
};
use authflow_test_providers::{Endpoint, Fault, FaultSpec, Providers};
use common::*;
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};

fn makeshift_login(p: &Providers) -> TestResult<Option<Reply>> {
    let body =
        json!({"grant_type": "password", "username": MAKESHIFT_KEY, "password": MAKESHIFT_SECRET});
    send(
        "POST",
        &p.urls().makeshift.token_endpoint,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

fn admin_login(p: &Providers) -> TestResult<Reply> {
    post_form(
        &p.urls().makini_admin.token_endpoint,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", ADMIN_CLIENT_ID),
            ("client_secret", ADMIN_CLIENT_SECRET),
        ],
    )
}

fn unix(date: &str) -> TestResult<i64> {
    let time = httpdate::parse_http_date(date)?;
    Ok(i64::try_from(time.duration_since(UNIX_EPOCH)?.as_secs())?)
}

fn date_of(reply: &Reply) -> TestResult<i64> {
    unix(reply.header("date").ok_or("no Date header")?)
}

#[test]
fn drop_closes_without_a_response_and_skips_processing() -> TestResult {
    let p = Providers::start()?;
    p.set_fault(Endpoint::MakeshiftToken, Fault::Drop, 1);
    assert!(makeshift_login(&p)?.is_none());
    let stats = p.stats();
    assert_eq!(
        stats.client(MAKESHIFT_KEY).token_requests_for("password"),
        0
    );
    assert_eq!(stats.faults_on(Endpoint::MakeshiftToken), 1);
    // Normal service resumes after `times` requests.
    assert_eq!(makeshift_login(&p)?.ok_or("dropped")?.status, 200);
    Ok(())
}

#[test]
fn status_faults() -> TestResult {
    let p = Providers::start()?;
    p.set_fault(Endpoint::MakeshiftToken, Fault::Status500, 1);
    let reply = makeshift_login(&p)?.ok_or("dropped")?;
    assert_eq!(reply.status, 500);
    assert!(reply.header("date").is_some());

    p.set_fault(Endpoint::MakeshiftToken, Fault::Status503, 1);
    let reply = makeshift_login(&p)?.ok_or("dropped")?;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), None);

    p.set_fault_spec(
        Endpoint::MakeshiftToken,
        FaultSpec::new(Fault::Status503).retry_after(7),
    );
    let reply = makeshift_login(&p)?.ok_or("dropped")?;
    assert_eq!(reply.header("retry-after"), Some("7"));

    p.set_fault(Endpoint::MakeshiftToken, Fault::Status429, 1);
    let reply = makeshift_login(&p)?.ok_or("dropped")?;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("30"));

    p.set_fault_spec(
        Endpoint::MakeshiftToken,
        FaultSpec::new(Fault::Status429)
            .retry_after(120)
            .retry_after_date(true),
    );
    let reply = makeshift_login(&p)?.ok_or("dropped")?;
    let retry_at = unix(reply.header("retry-after").ok_or("no Retry-After")?)?;
    assert_eq!(retry_at, date_of(&reply)? + 120);

    assert_eq!(
        p.stats()
            .client(MAKESHIFT_KEY)
            .token_requests_for("password"),
        0
    );
    assert_eq!(p.stats().faults_on(Endpoint::MakeshiftToken), 5);
    Ok(())
}

#[test]
fn html_error_page() -> TestResult {
    let p = Providers::start()?;
    p.set_fault(Endpoint::MakiniAdminToken, Fault::Html, 1);
    let reply = admin_login(&p)?;
    assert_eq!(reply.status, 502);
    assert!(reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html")));
    assert!(reply.text().contains("<html>"));
    Ok(())
}

#[test]
fn truncated_reply_after_a_real_rotation() -> TestResult {
    let p = Providers::start()?;
    let tokens = link_login(&p)?;
    let old_refresh = string(&tokens, "refresh_token")?;
    p.set_fault(Endpoint::MakiniLinkToken, Fault::Truncated, 1);
    let reply = link_refresh(&p, &old_refresh)?;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(!reply.body.is_empty());
    assert!(reply.json().is_err(), "{}", reply.text());

    // The refresh happened: the old refresh token is gone.
    let again = link_refresh(&p, &old_refresh)?;
    assert_eq!(again.status, 400);
    let stats = p.stats().client(LINK_CLIENT_ID);
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.replays, 1);
    Ok(())
}

#[test]
fn error_with_status_200() -> TestResult {
    let p = Providers::start()?;
    p.set_fault(Endpoint::MakiniAdminToken, Fault::Error200, 1);
    let reply = admin_login(&p)?;
    assert_eq!(reply.status, 200);
    let body = reply.json()?;
    assert_eq!(body["error"], "server_error");
    assert!(body["error_description"].is_string());
    Ok(())
}

#[test]
fn slow_answers_normally() -> TestResult {
    let p = Providers::start()?;
    p.set_fault_spec(
        Endpoint::MakiniAdminToken,
        FaultSpec::new(Fault::Slow).delay_ms(50),
    );
    assert_eq!(admin_login(&p)?.status, 200);
    assert_eq!(p.stats().faults_on(Endpoint::MakiniAdminToken), 1);
    Ok(())
}

#[test]
fn clock_ahead_skews_date_and_expiry() -> TestResult {
    let p = Providers::start()?;
    p.set_fault_spec(
        Endpoint::MakiniAdminToken,
        FaultSpec::new(Fault::ClockAhead).clock_ahead_secs(3600),
    );
    let before = p.now();
    let reply = admin_login(&p)?;
    let after = p.now();
    assert_eq!(reply.status, 200);
    let date = date_of(&reply)?;
    assert!(date >= before + 3600 && date <= after + 3600, "{date}");
    let expires_in = int(&reply.json()?, "expires_in")?;
    assert_eq!(expires_in, date + 30 * 24 * 3600);

    // Next request: the normal clock again.
    let normal = admin_login(&p)?;
    assert!(date_of(&normal)? <= p.now());
    Ok(())
}

#[test]
fn a_fault_lasts_for_times_requests() -> TestResult {
    let p = Providers::start()?;
    p.set_fault(Endpoint::MakiniAdminToken, Fault::Status503, 2);
    assert_eq!(admin_login(&p)?.status, 503);
    assert_eq!(admin_login(&p)?.status, 503);
    assert_eq!(admin_login(&p)?.status, 200);

    // Faults are per endpoint, and can be cleared.
    p.set_fault(Endpoint::MakiniLinkApi, Fault::Status500, 5);
    assert_eq!(admin_login(&p)?.status, 200);
    p.clear_faults();
    let access = string(&link_login(&p)?, "access_token")?;
    let sites = format!("{}sites", p.urls().makini_link.api_v4);
    assert_eq!(get_bearer(&sites, &access)?.status, 200);
    Ok(())
}

#[test]
fn faults_through_the_control_api() -> TestResult {
    let p = Providers::start()?;
    let fault_url = format!("{}/fault", p.urls().control);
    let armed = post_json(
        &fault_url,
        &json!({"endpoint": "makini_admin.token", "fault": "503", "times": 2, "retry_after": 7}),
    )?;
    assert_eq!(armed.status, 200, "{}", armed.text());
    assert_eq!(armed.json()?["faults"]["makini_admin.token"]["times"], 2);
    let reply = admin_login(&p)?;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("7"));

    assert_eq!(request("DELETE", &fault_url, &[], b"")?.status, 200);
    assert_eq!(admin_login(&p)?.status, 200);

    // A number works as the fault name; the HTTP-date Retry-After too.
    post_json(
        &fault_url,
        &json!({"endpoint": "makini_admin.token", "fault": 429, "retry_after_date": true}),
    )?;
    let limited = admin_login(&p)?;
    assert_eq!(limited.status, 429);
    let retry_at = unix(limited.header("retry-after").ok_or("no Retry-After")?)?;
    assert_eq!(retry_at, date_of(&limited)? + 30);

    // Clearing one endpoint leaves the others armed.
    post_json(
        &fault_url,
        &json!({"endpoint": "makeshift.api", "fault": "drop"}),
    )?;
    post_json(
        &fault_url,
        &json!({"endpoint": "makini_admin.token", "fault": "html"}),
    )?;
    let cleared = request(
        "DELETE",
        &format!("{fault_url}?endpoint=makini_admin.token"),
        &[],
        b"",
    )?;
    assert_eq!(
        cleared.json()?["faults"].as_object().map(|o| o.len()),
        Some(1)
    );
    assert_eq!(admin_login(&p)?.status, 200);

    for bad in [
        json!({"endpoint": "nowhere", "fault": "503"}),
        json!({"endpoint": "makeshift.api", "fault": "teapot"}),
        json!({"endpoint": "makeshift.api", "fault": "503", "tmes": 2}),
    ] {
        assert_eq!(post_json(&fault_url, &bad)?.status, 400, "{bad}");
    }
    Ok(())
}

#[test]
fn every_endpoint_takes_every_fault() -> TestResult {
    let p = Providers::start()?;
    let urls = p.urls();
    let targets = [
        (
            Endpoint::MakiniLinkAuthorize,
            urls.makini_link.authorization_endpoint.clone(),
        ),
        (
            Endpoint::MakiniLinkToken,
            urls.makini_link.token_endpoint.clone(),
        ),
        (
            Endpoint::MakiniLinkApi,
            format!("{}sites", urls.makini_link.api_v4),
        ),
        (
            Endpoint::MakiniAdminToken,
            urls.makini_admin.token_endpoint.clone(),
        ),
        (
            Endpoint::MakiniAdminApi,
            format!("{}connections", urls.makini_admin.api),
        ),
        (
            Endpoint::MakeshiftToken,
            urls.makeshift.token_endpoint.clone(),
        ),
        (
            Endpoint::MakeshiftTokenInfo,
            urls.makeshift.token_info_endpoint.clone(),
        ),
        (
            Endpoint::MakeshiftApi,
            format!("{}employees", urls.makeshift.api),
        ),
    ];
    for (endpoint, url) in &targets {
        for (fault, status) in [
            (Fault::Status500, 500),
            (Fault::Status503, 503),
            (Fault::Status429, 429),
            (Fault::Html, 502),
            (Fault::Error200, 200),
        ] {
            p.set_fault(*endpoint, fault, 1);
            let reply = request("GET", url, &[], b"")?;
            assert_eq!(reply.status, status, "{endpoint} {fault}");
        }
        p.set_fault(*endpoint, Fault::Drop, 1);
        assert!(send("GET", url, &[], b"")?.is_none(), "{endpoint} drop");
        assert_eq!(p.stats().faults_on(*endpoint), 6);
    }
    let real_now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    assert!((p.now() - real_now).abs() < 120);
    Ok(())
}
