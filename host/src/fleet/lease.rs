//! The lease rows, on PostgreSQL's own primitives: a claim locks the row
//! with `SELECT ... FOR UPDATE SKIP LOCKED` (as PostgreSQL job queues claim
//! work: a row another session holds is skipped, never waited for), expiry
//! is by the database's clock (`now()`), and every claim raises the row's
//! `token`, the fencing token that every write of the mailbox's state checks.

use postgres::{Client, Transaction};
use std::time::Duration;

/// What a claim found.
#[derive(Debug, PartialEq)]
pub enum Claim {
    /// Ours, with this fencing token.
    Taken { token: i64 },
    /// Another host's live lease.
    HeldBy { holder: String },
    /// Another session has the row locked this instant (claiming it, or its
    /// holder writing the mailbox's state).
    Busy,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Takes the scope's lease if it is free, expired, or already ours.
pub fn claim(
    c: &mut Client,
    me: &str,
    scope: &str,
    label: &str,
    lease: Duration,
) -> Result<Claim, postgres::Error> {
    let mut tx = c.transaction()?;
    let row = tx.query_opt(
        "SELECT holder, expires_at > now() FROM ews_lease WHERE scope = $1
         FOR UPDATE SKIP LOCKED",
        &[&scope],
    )?;
    let claim = match row {
        None => first_claim(&mut tx, me, scope, label, lease)?,
        Some(row) => {
            let holder: Option<String> = row.get(0);
            let live: bool = row.get(1);
            match holder {
                Some(holder) if live && holder != me => Claim::HeldBy { holder },
                _ => Claim::Taken {
                    token: tx
                        .query_one(
                            "UPDATE ews_lease SET holder = $2, label = $3, token = token + 1,
                                 since = now(), expires_at = now() + make_interval(secs => $4)
                             WHERE scope = $1 RETURNING token",
                            &[&scope, &me, &label, &secs(lease)],
                        )?
                        .get(0),
                },
            }
        }
    };
    tx.commit()?;
    Ok(claim)
}

/// No row could be locked: either none exists yet (it is created, ours) or
/// another session holds it (named when it can be).
fn first_claim(
    tx: &mut Transaction<'_>,
    me: &str,
    scope: &str,
    label: &str,
    lease: Duration,
) -> Result<Claim, postgres::Error> {
    let locked = tx.query_opt("SELECT holder FROM ews_lease WHERE scope = $1", &[&scope])?;
    if let Some(row) = locked {
        return Ok(match row.get::<_, Option<String>>(0) {
            Some(holder) if holder != me => Claim::HeldBy { holder },
            _ => Claim::Busy,
        });
    }
    let created = tx.query_opt(
        "INSERT INTO ews_lease (scope, label, holder, token, since, expires_at)
         VALUES ($1, $2, $3, 1, now(), now() + make_interval(secs => $4))
         ON CONFLICT (scope) DO NOTHING RETURNING token",
        &[&scope, &label, &me, &secs(lease)],
    )?;
    Ok(match created {
        Some(row) => Claim::Taken { token: row.get(0) },
        None => Claim::Busy,
    })
}

/// Extends the leases still ours (same holder, same token); returns the
/// scopes extended. One that is missing was taken over.
pub fn renew(
    c: &mut Client,
    me: &str,
    held: &[(String, i64)],
    lease: Duration,
) -> Result<Vec<String>, postgres::Error> {
    let scopes: Vec<&str> = held.iter().map(|(s, _)| s.as_str()).collect();
    let tokens: Vec<i64> = held.iter().map(|(_, t)| *t).collect();
    let mut tx = c.transaction()?;
    // Our fences' `FOR KEY SHARE` does not hold this up; should anything
    // else, waiting for ever is not right.
    tx.batch_execute("SET LOCAL lock_timeout = '5s'")?;
    let rows = tx.query(
        "UPDATE ews_lease AS l SET expires_at = now() + make_interval(secs => $2)
         FROM unnest($3::text[], $4::bigint[]) AS h(scope, token)
         WHERE l.scope = h.scope AND l.token = h.token AND l.holder = $1
         RETURNING l.scope",
        &[&me, &secs(lease), &scopes, &tokens],
    )?;
    tx.commit()?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Lets the lease go at once (a clean stop, or a host over its share), so
/// that another host need not wait for it to expire.
pub fn release(c: &mut Client, me: &str, scope: &str, token: i64) -> Result<(), postgres::Error> {
    c.execute(
        "UPDATE ews_lease SET holder = NULL, expires_at = '-infinity'
         WHERE scope = $1 AND holder = $2 AND token = $3",
        &[&scope, &me, &token],
    )
    .map(drop)
}

/// The fence: inside the writing transaction, the row is locked `FOR KEY
/// SHARE` (a claim's `FOR UPDATE` skips it until the writes commit, while
/// this host's own renewals, which change no key, go on) and must still
/// carry our token. `Err(holder, token)` when it does not.
pub fn fence(
    tx: &mut Client,
    me: &str,
    scope: &str,
    token: i64,
) -> Result<Result<(), (Option<String>, i64)>, postgres::Error> {
    let row = tx.query_opt(
        "SELECT holder, token FROM ews_lease WHERE scope = $1 FOR KEY SHARE",
        &[&scope],
    )?;
    Ok(match row {
        Some(r) => {
            let (holder, now): (Option<String>, i64) = (r.get(0), r.get(1));
            if now == token && holder.as_deref() == Some(me) {
                Ok(())
            } else {
                Err((holder, now))
            }
        }
        None => Err((None, 0)),
    })
}

/// Says this host is alive, and counts the live ones (seen within a lease).
pub fn heartbeat(c: &mut Client, me: &str, lease: Duration) -> Result<usize, postgres::Error> {
    c.execute(
        "INSERT INTO ews_host (id, seen) VALUES ($1, now())
         ON CONFLICT (id) DO UPDATE SET seen = now()",
        &[&me],
    )?;
    let live: i64 = c
        .query_one(
            "SELECT count(*) FROM ews_host WHERE seen > now() - make_interval(secs => $1)",
            &[&secs(lease)],
        )?
        .get(0);
    Ok(usize::try_from(live).unwrap_or(1).max(1))
}

/// A clean stop: this host no longer counts among the live ones; rows of
/// hosts gone for a day are cleared.
pub fn leave(c: &mut Client, me: &str) -> Result<(), postgres::Error> {
    c.execute(
        "DELETE FROM ews_host WHERE id = $1 OR seen < now() - interval '1 day'",
        &[&me],
    )
    .map(drop)
}

/// Who holds a scope now, for a message.
pub fn holder(
    c: &mut Client,
    scope: &str,
) -> Result<Option<(Option<String>, i64)>, postgres::Error> {
    Ok(c.query_opt(
        "SELECT holder, token FROM ews_lease WHERE scope = $1",
        &[&scope],
    )?
    .map(|r| (r.get(0), r.get(1))))
}
