//! Recorded answers instead of the network, for fuzzing and property tests only (built
//! under `cfg(test)` or `cfg(fuzzing)`): every probe's response handling runs on hostile
//! bodies without a server. Requests are still checked against the probe's shapes.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::{Scope, Target, Transport, run_probe};
use crate::scope::http::{ProbeError, Request, Response, Shape, check_request};

/// Answers handed out in order; once they run out every request fails as a network error.
pub struct Replay {
    answers: Mutex<VecDeque<Result<Response, ProbeError>>>,
    /// Requests the probe built that the client refused (not a declared shape).
    refused: Mutex<Vec<String>>,
    /// Whether a 2xx answer was handed out.
    success: std::sync::atomic::AtomicBool,
}

impl Replay {
    pub fn new(answers: Vec<Result<Response, ProbeError>>) -> Replay {
        Replay { answers: Mutex::new(answers.into()), refused: Mutex::new(Vec::new()), success: Default::default() }
    }

    /// The text form used by the fuzz seeds: answers separated by a line `--`; each is a
    /// status line, `name: value` header lines, a blank line and the body.
    pub fn from_text(text: &[u8]) -> Replay {
        let mut answers = Vec::new();
        let mut rest = text;
        loop {
            let (answer, next) = match memchr::memmem::find(rest, b"\n--\n") {
                Some(i) => (&rest[..i], Some(&rest[i + 4..])),
                None => (rest, None),
            };
            answers.push(Ok(response(answer)));
            match next {
                Some(n) => rest = n,
                None => break,
            }
        }
        Replay::new(answers)
    }

    /// Requests refused so far, as `METHOD root` (never the path: it may hold a secret).
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether the probe was handed a 2xx answer (a credential is never active without one).
    pub fn answered_success(&self) -> bool {
        self.success.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn send(&self, shapes: &[Shape], request: &Request) -> Result<Response, ProbeError> {
        if let Err(e) = check_request(shapes, request) {
            self.refused.lock().unwrap_or_else(|p| p.into_inner()).push(e.to_string());
            return Err(e);
        }
        let next = self.answers.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        if let Some(Ok(r)) = &next {
            if r.is_success() {
                self.success.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        next.unwrap_or_else(|| Err(ProbeError::Network("no more recorded answers".into())))
    }
}

/// One answer in the text form.
fn response(text: &[u8]) -> Response {
    let (head, body) = match memchr::memmem::find(text, b"\n\n") {
        Some(i) => (&text[..i], &text[i + 2..]),
        None => (text, &b""[..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.trim().parse::<u16>().ok()).unwrap_or(200);
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Response { status, headers, body: body.to_vec() }
}

/// Runs `target`'s probe against `replay` instead of the network.
pub fn probe(target: &Target<'_>, offline: Scope, replay: &Replay) -> Scope {
    run_probe(Transport::Replay(replay), target, offline)
}
