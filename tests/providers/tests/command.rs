//! The `authflow-providers` command: the JSON line, and how it stops.

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use authflow_test_providers::Urls;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

fn spawn(args: &[&str]) -> TestResult<Child> {
    Ok(Command::new(env!("CARGO_BIN_EXE_authflow-providers"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?)
}

fn first_line(child: &mut Child) -> TestResult<String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    Ok(line)
}

/// Waits for the exit; a hung child is killed so the test fails instead of
/// hanging (the bound is generous: this is not a timing assertion).
fn wait(child: &mut Child) -> TestResult<ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            child.kill()?;
            return Err("the command did not stop".into());
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn prints_the_urls_and_stops_when_stdin_closes() -> TestResult {
    let mut child = spawn(&[])?;
    let line = first_line(&mut child)?;
    let value: serde_json::Value = serde_json::from_str(&line)?;
    for pointer in [
        "/control",
        "/makini_link/authorization_endpoint",
        "/makini_link/token_endpoint",
        "/makini_link/api_v4",
        "/makini_link/api_v3",
        "/makini_admin/token_endpoint",
        "/makini_admin/api",
        "/makeshift/token_endpoint",
        "/makeshift/token_info_endpoint",
        "/makeshift/api",
    ] {
        let url = value
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .ok_or(pointer)?;
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    }
    let urls: Urls = serde_json::from_str(&line)?;
    assert!(urls.makini_link.api_v4.ends_with("/v4/"));

    // It serves.
    let addr = urls.base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr)?;
    stream.write_all(b"GET /__control/clock HTTP/1.1\r\nHost: x\r\n\r\n")?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    assert_eq!(reply.trim_end(), "HTTP/1.1 200 OK");

    drop(child.stdin.take());
    assert!(wait(&mut child)?.success());
    assert!(TcpStream::connect(&addr).is_err());
    Ok(())
}

#[cfg(unix)]
#[test]
fn stops_on_sigterm() -> TestResult {
    let mut child = spawn(&["--stdin", "ignore"])?;
    let urls: Urls = serde_json::from_str(&first_line(&mut child)?)?;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(killed.success());
    assert!(wait(&mut child)?.success());
    let addr = urls.base.trim_start_matches("http://").to_owned();
    assert!(TcpStream::connect(addr).is_err());
    Ok(())
}

#[test]
fn refuses_unknown_arguments() -> TestResult {
    let mut child = spawn(&["--bogus"])?;
    assert!(!wait(&mut child)?.success());
    Ok(())
}
