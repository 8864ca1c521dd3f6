//! The opaque tokens of `MigrationService`: page tokens of ListMigrations and resume tokens of
//! WatchMigrations. Clients must not read them; they are versioned so that their format can
//! change without a new token being mistaken for an old one.

use crate::store::Filter;
use tonic::Status;

const PAGE_PREFIX: &str = "p1.";
const WATCH_PREFIX: &str = "w1.";

/// A short hash of the filters a page token was issued for: the next page must be asked with
/// the same filters, or the keyset would silently skip or repeat migrations.
fn filter_key(filter: &Filter) -> String {
    let phase = filter.phase.map(|p| p.as_str()).unwrap_or("");
    let canonical = format!(
        "{}\u{0}{}\u{0}{}\u{0}{phase}",
        filter.namespace.as_deref().unwrap_or(""),
        filter.database.as_deref().unwrap_or(""),
        filter.table.as_deref().unwrap_or("")
    );
    schemahero_plan::fingerprint(&canonical)[..12].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// The token of the page after the migration `(planned_at, id)`, for `filter`.
pub fn page_token(filter: &Filter, planned_at: i64, id: &str) -> String {
    let body = format!("{}|{planned_at}|{id}", filter_key(filter));
    // A checksum: a truncated or edited token is refused rather than read as another position.
    let check = &schemahero_plan::fingerprint(&body)[..8];
    format!("{PAGE_PREFIX}{}", hex(format!("{body}|{check}").as_bytes()))
}

/// The `(planned_at, id)` a page token continues after; INVALID_ARGUMENT for anything this
/// server did not issue for these filters.
pub fn parse_page_token(filter: &Filter, token: &str) -> Result<(i64, String), Status> {
    let invalid = |why: &str| Status::invalid_argument(format!("page_token: {why}; list again from the first page"));
    let body = token.strip_prefix(PAGE_PREFIX).ok_or_else(|| invalid("not a page token of this API"))?;
    let text = unhex(body).and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| invalid("malformed"))?;
    let (text, check) = text.rsplit_once('|').ok_or_else(|| invalid("malformed"))?;
    if schemahero_plan::fingerprint(text).get(..8) != Some(check) {
        return Err(invalid("malformed"));
    }
    let mut parts = text.splitn(3, '|');
    let (Some(key), Some(planned_at), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("malformed"));
    };
    if key != filter_key(filter) {
        return Err(invalid("issued for other filters (namespace, database, table and phase must stay the same)"));
    }
    let planned_at = planned_at.parse().map_err(|_| invalid("malformed"))?;
    Ok((planned_at, id.to_string()))
}

/// The resume token after `revision` of the store's change sequence.
pub fn watch_token(revision: i64) -> String {
    format!("{WATCH_PREFIX}{revision}")
}

/// The revision a resume token continues after; INVALID_ARGUMENT when malformed.
pub fn parse_watch_token(token: &str) -> Result<i64, Status> {
    token
        .strip_prefix(WATCH_PREFIX)
        .and_then(|r| r.parse::<i64>().ok())
        .filter(|r| *r >= 0)
        .ok_or_else(|| Status::invalid_argument("resume_token: not a resume token of this API; list again and watch from its watch_token"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Phase;

    #[test]
    fn page_tokens_round_trip_and_are_refused_for_other_filters_or_when_tampered_with() {
        let filter = Filter { namespace: Some("default".into()), ..Filter::default() };
        let token = page_token(&filter, 1_700_000_000_000, "users-1a2b|3c");
        assert_eq!(parse_page_token(&filter, &token).unwrap(), (1_700_000_000_000, "users-1a2b|3c".to_string()));
        let other = Filter { phase: Some(Phase::Planned), ..filter.clone() };
        let refused = parse_page_token(&other, &token).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::InvalidArgument);
        assert!(refused.message().contains("issued for other filters"), "{}", refused.message());
        for bad in ["", "p1.zz", "p1.abc", "w1.3", &token[..token.len() - 2]] {
            assert_eq!(parse_page_token(&filter, bad).unwrap_err().code(), tonic::Code::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn watch_tokens_round_trip_and_malformed_ones_are_invalid() {
        assert_eq!(parse_watch_token(&watch_token(42)).unwrap(), 42);
        for bad in ["", "42", "w1.", "w1.-1", "w1.x", "p1.00"] {
            assert_eq!(parse_watch_token(bad).unwrap_err().code(), tonic::Code::InvalidArgument, "{bad}");
        }
    }
}
