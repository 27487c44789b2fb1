//! The control API, the clock, reset, stats, and shutdown.

mod common;

use std::net::TcpStream;
use std::thread;

use authflow_test_providers::credentials::LINK_CLIENT_ID;
use authflow_test_providers::{Providers, Stats, Urls};
use common::*;
use serde_json::json;

#[test]
fn clock_is_moved_and_every_response_is_dated_by_it() -> TestResult {
    let p = Providers::start()?;
    let clock_url = format!("{}/clock", p.urls().control);
    let now = int(&get(&clock_url)?.json()?, "now")?;
    let moved = post_json(&clock_url, &json!({"advance": 86_400}))?;
    let moved_now = int(&moved.json()?, "now")?;
    assert!(moved_now >= now + 86_400);

    for reply in [
        get(&format!("{}employees", p.urls().makeshift.api))?,
        get(&clock_url)?,
        get(&format!("{}/nothing-here", p.urls().base))?,
    ] {
        let date = httpdate::parse_http_date(reply.header("date").ok_or("no Date")?)?;
        let date = i64::try_from(date.duration_since(std::time::UNIX_EPOCH)?.as_secs())?;
        assert!(date >= moved_now && date <= p.now(), "{date}");
    }
    assert_eq!(
        post_json(&clock_url, &json!({"advance": "soon"}))?.status,
        400
    );
    Ok(())
}

#[test]
fn config_stats_urls_and_reset() -> TestResult {
    let p = Providers::start()?;
    let control = &p.urls().control;

    let urls: Urls = serde_json::from_slice(&get(control)?.body)?;
    assert_eq!(&urls, p.urls());

    let config = post_json(
        &format!("{control}/config"),
        &json!({"api_budget": 1, "authorize_user": "deny"}),
    )?;
    assert_eq!(
        config.json()?,
        json!({"api_budget": 1, "authorize_user": "deny"})
    );
    let denied = get(&format!(
        "{}?response_type=code&client_id={LINK_CLIENT_ID}&redirect_uri={REDIRECT_URI}",
        p.urls().makini_link.authorization_endpoint
    ))?;
    assert_eq!(
        denied.location_param("error")?.as_deref(),
        Some("access_denied")
    );
    post_json(
        &format!("{control}/config"),
        &json!({"authorize_user": "approve"}),
    )?;
    let access = string(&link_login(&p)?, "access_token")?;
    let sites = format!("{}sites", p.urls().makini_link.api_v4);
    assert_eq!(get_bearer(&sites, &access)?.status, 200);
    assert_eq!(get_bearer(&sites, &access)?.status, 429);

    let stats: Stats = serde_json::from_slice(&get(&format!("{control}/stats"))?.body)?;
    assert_eq!(stats, p.stats());
    let link = stats.client(LINK_CLIENT_ID);
    assert_eq!(
        (link.codes_issued, link.authorizations_denied, link.api_429),
        (1, 1, 1)
    );

    p.advance_clock(1_000_000);
    let reset = request("POST", &format!("{control}/reset"), &[], b"")?;
    assert_eq!(reset.status, 200);
    assert_eq!(p.stats(), Stats::default());
    let real_now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs(),
    )?;
    assert!(
        (p.now() - real_now).abs() < 120,
        "the clock is real time again"
    );
    assert_eq!(get_bearer(&sites, &access)?.status, 401);
    let config = get(&format!("{control}/config"))?.json()?;
    assert_eq!(config["api_budget"], 1000);

    assert_eq!(get(&format!("{control}/nope"))?.status, 404);
    assert_eq!(
        request("DELETE", &format!("{control}/stats"), &[], b"")?.status,
        405
    );
    Ok(())
}

#[test]
fn concurrent_clients_are_served() -> TestResult {
    let p = Providers::start()?;
    let access = string(&link_login(&p)?, "access_token")?;
    let sites = format!("{}sites", p.urls().makini_link.api_v4);
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (sites, access) = (sites.clone(), access.clone());
            thread::spawn(move || -> Result<u16, String> {
                let mut statuses = 0;
                for _ in 0..5 {
                    let reply = get_bearer(&sites, &access).map_err(|e| e.to_string())?;
                    statuses += u16::from(reply.status == 200);
                }
                Ok(statuses)
            })
        })
        .collect();
    let mut ok = 0;
    for worker in workers {
        ok += worker.join().map_err(|_| "worker panicked")??;
    }
    assert_eq!(ok, 40);
    assert_eq!(p.stats().client(LINK_CLIENT_ID).api_calls, 40);
    Ok(())
}

#[test]
fn stopping_closes_the_listener() -> TestResult {
    let p = Providers::start()?;
    let addr = p.addr();
    assert!(addr.ip().is_loopback());
    // An idle connection must not keep the server alive.
    let _idle = TcpStream::connect(addr)?;
    p.stop();
    assert!(TcpStream::connect(addr).is_err());

    let dropped = Providers::start()?;
    let addr = dropped.addr();
    drop(dropped);
    assert!(TcpStream::connect(addr).is_err());
    Ok(())
}
