//! `authflow-providers`: runs the imitation Makini Link, Makini Admin and
//! MakeShift servers for tests written in other languages.
//!
//! Prints one line of JSON with every URL on stdout, then serves until
//! SIGTERM or SIGINT, or until stdin reaches end-of-file when stdin is a
//! pipe or socket (so the servers die with the test process that started
//! them, even if it is killed). Nothing else is written to stdout.
//!
//! Options: `--port N` (default 0: a free port), `--stdin auto|watch|ignore`
//! (default `auto`: watch stdin only when it is a pipe or socket, since a
//! terminal or `/dev/null` says nothing about the parent's life).

use std::error::Error;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;

use authflow_test_providers::Providers;

const USAGE: &str = "usage: authflow-providers [--port N] [--stdin auto|watch|ignore]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StdinMode {
    Auto,
    Watch,
    Ignore,
}

struct Options {
    port: u16,
    stdin: StdinMode,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("authflow-providers: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let Some(options) = parse_args(std::env::args().skip(1))? else {
        println!("{USAGE}");
        return Ok(());
    };
    // Signal handlers go in before the URLs are printed: a parent that
    // reads the line and at once sends SIGTERM must find them in place.
    let (stop_tx, stop_rx) = mpsc::channel::<String>();
    watch_signals(stop_tx.clone())?;
    let providers = Providers::start_on(options.port)?;
    {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "{}", serde_json::to_string(providers.urls())?)?;
        stdout.flush()?;
    }

    let watch_stdin = match options.stdin {
        StdinMode::Watch => true,
        StdinMode::Ignore => false,
        StdinMode::Auto => stdin_is_pipe(),
    };
    if watch_stdin {
        thread::Builder::new()
            .name("stdin-watch".into())
            .spawn(move || {
                let mut sink = [0u8; 1024];
                let mut stdin = io::stdin().lock();
                while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
                let _ = stop_tx.send("stdin closed".into());
            })?;
    } else {
        drop(stop_tx);
    }

    // Ends when a watcher reports; an error means every watcher is gone,
    // which cannot happen while the signal thread lives.
    let reason = stop_rx.recv().unwrap_or_else(|_| "no watcher left".into());
    eprintln!("authflow-providers: stopping ({reason})");
    providers.stop();
    Ok(())
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        port: 0,
        stdin: StdinMode::Auto,
    };
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match name.as_str() {
            "--port" => {
                let raw = value()?;
                options.port = raw
                    .parse()
                    .map_err(|_| format!("invalid port {raw:?}\n{USAGE}"))?;
            }
            "--stdin" => {
                options.stdin = match value()?.as_str() {
                    "auto" => StdinMode::Auto,
                    "watch" => StdinMode::Watch,
                    "ignore" => StdinMode::Ignore,
                    other => return Err(format!("invalid --stdin {other:?}\n{USAGE}")),
                }
            }
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Some(options))
}

#[cfg(unix)]
fn watch_signals(stop: mpsc::Sender<String>) -> io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT])?;
    thread::Builder::new()
        .name("signal-watch".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let _ = stop.send(format!("signal {signal}"));
            }
        })?;
    Ok(())
}

#[cfg(not(unix))]
fn watch_signals(stop: mpsc::Sender<String>) -> io::Result<()> {
    // Without Unix signals the default Ctrl-C handling ends the process;
    // the sender is kept alive so that waiting does not end early.
    std::mem::forget(stop);
    Ok(())
}

#[cfg(unix)]
fn stdin_is_pipe() -> bool {
    use std::os::unix::fs::FileTypeExt as _;
    std::fs::metadata("/dev/stdin")
        .is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket())
}

#[cfg(not(unix))]
fn stdin_is_pipe() -> bool {
    use std::io::IsTerminal as _;
    !io::stdin().is_terminal()
}
