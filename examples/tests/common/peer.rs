//! A peer server (a real authorization server nobody here wrote) run as a
//! child process for the length of one test.
//!
//! The protocol with the child: it prints one line of JSON on stdout once
//! it listens, `{"issuer": "http://127.0.0.1:PORT"}`, and exits when its
//! stdin closes. [`Peer`] kills it on drop in any case, and shows what it
//! wrote on stderr when the test is failing.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a peer may take to print its issuer line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs an installer script (`bash script`) and panics with its output if
/// it fails: a test whose server cannot be installed fails, it never skips.
pub fn run_installer(script: &Path) {
    let output = Command::new("bash")
        .arg(script)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "{} failed ({}):\n{}\n{}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A running peer server. Dropping it kills the process and waits for it.
pub struct Peer {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stderr: Arc<Mutex<String>>,
    /// The issuer the server announced.
    pub issuer: String,
}

impl Peer {
    /// Starts `program args…` in `dir` and waits for its issuer line.
    pub fn start(name: &str, program: &str, args: &[&str], dir: &Path) -> Peer {
        let mut child = Command::new(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({program}): {e}"));
        let stdin = child.stdin.take();
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let log = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                    let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
                    log.lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push_str(&text);
                }
            });
        }
        let (sender, lines) = mpsc::channel();
        if let Some(pipe) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(pipe);
                let mut first = String::new();
                let read = reader.read_line(&mut first).map(|_| first);
                let _ = sender.send(read);
                // Keep draining so that the child never blocks on a full pipe.
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
            });
        }
        // From here on the guard owns the child: any panic below kills it.
        let mut peer = Peer {
            name: name.to_owned(),
            child,
            stdin,
            stderr,
            issuer: String::new(),
        };
        let line = match lines.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            Ok(Ok(_)) => panic!("{name} exited before announcing its issuer"),
            Ok(Err(e)) => panic!("cannot read {name}'s stdout: {e}"),
            Err(_) => panic!("{name} announced no issuer within {STARTUP_TIMEOUT:?}"),
        };
        peer.issuer = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|announcement| announcement["issuer"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("{name} printed {line:?}, not {{\"issuer\": …}}"));
        peer
    }

    /// What the server wrote on stderr so far.
    pub fn log(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Closing stdin asks it to exit; the kill makes sure it does.
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} stderr ---\n{}--- end ---", self.name, self.log());
        }
    }
}
