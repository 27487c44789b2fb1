#![allow(dead_code)] // each target uses the part of this layout it needs
//! The byte layout every response-parsing target reads, so that seeds made
//! from the golden vectors (scripts/fuzz-seeds.py) reach the deep paths:
//!
//! `[selector u8][status u16 big-endian][header lines "Name: value\n"…] 0x00 [body…]`

use authflowkit_core::{Client, GrantType, HttpResponse, Profile};

/// A response and the selector byte that picks a profile and a grant.
pub struct Input {
    pub selector: u8,
    pub response: HttpResponse,
}

pub fn response(data: &[u8]) -> Option<Input> {
    let (&selector, rest) = data.split_first()?;
    let (status, rest) = rest.split_at_checked(2)?;
    let status = u16::from_be_bytes([status[0], status[1]]);
    let split = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
    let (head, body) = rest.split_at(split);
    let body = body.get(1..).unwrap_or_default().to_vec();
    let headers = String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    Some(Input {
        selector,
        response: HttpResponse::new(status, headers, body),
    })
}

/// One client of each profile; the selector's low bits pick it.
pub fn client(selector: u8) -> Client {
    let profile = match selector % 4 {
        0 => Profile::makini_link(),
        1 => Profile::makini_admin("https://api.makini.io/admin/oauth/token")
            .ok()
            .unwrap_or_else(Profile::makini_link),
        2 => Profile::makeshift(),
        _ => Profile::generic(None, "https://as.example/token")
            .ok()
            .unwrap_or_else(Profile::makini_link),
    };
    Client::new(profile, "fuzz-client")
}

/// The grant the selector's next bits pick.
pub fn grant(selector: u8) -> GrantType {
    match (selector / 4) % 4 {
        0 => GrantType::AuthorizationCode,
        1 => GrantType::RefreshToken,
        2 => GrantType::ClientCredentials,
        _ => GrantType::Password,
    }
}

/// A fixed "now": the selector's high bits move it across interesting eras.
pub fn now(selector: u8) -> u64 {
    [0, 1_000_000_000, 1_713_082_414, u64::MAX][usize::from(selector / 64)]
}
