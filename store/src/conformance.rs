//! The contract every [`TokenStore`] keeps, as a check: run it against your
//! own store (a database table, a cloud key-value service) before trusting
//! a fleet to it.

use authflowkit_core::fleet::TokenStore;
use std::thread::sleep;
use std::time::Duration;

/// Checks `store`'s primitive operations under keys starting with `prefix`
/// (use a fresh prefix: the keys must not exist). Takes about 300 ms (a
/// lease must be seen to expire).
pub fn check(store: &dyn TokenStore, prefix: &str) -> Result<(), String> {
    let key = format!("{prefix}:conformance:tokens");
    let lease = format!("{prefix}:conformance:lease");
    let expect = |ok: bool, what: &str| if ok { Ok(()) } else { Err(what.to_owned()) };

    expect(store.get(&key)?.is_none(), "a new key must read as absent")?;
    expect(
        !store.compare_and_set(&key, 3, 4, "x")?,
        "compare-and-set on an absent key must expect generation 0",
    )?;
    expect(store.compare_and_set(&key, 0, 1, "one")?, "first write")?;
    let record = store.get(&key)?.ok_or("a written key must read back")?;
    expect(
        record.generation == 1 && record.value.as_str() == "one",
        "read back: generation 1, the value written",
    )?;
    expect(
        !store.compare_and_set(&key, 0, 1, "again")?,
        "compare-and-set must refuse a stale generation",
    )?;
    expect(store.compare_and_set(&key, 1, 2, "two")?, "second write")?;
    let record = store.get(&key)?.ok_or("still there")?;
    expect(
        record.generation == 2 && record.value.as_str() == "two",
        "read back: generation 2",
    )?;

    expect(store.take_lease(&lease, "a", 200)?, "a free lease is taken")?;
    expect(
        !store.take_lease(&lease, "b", 200)?,
        "a held lease is refused",
    )?;
    expect(
        store.take_lease(&lease, "a", 200)?,
        "the holder taking its lease again keeps it",
    )?;
    store.release_lease(&lease, "b")?;
    expect(
        !store.take_lease(&lease, "b", 200)?,
        "only the owner releases a lease",
    )?;
    store.release_lease(&lease, "a")?;
    expect(
        store.take_lease(&lease, "b", 200)?,
        "a released lease is taken",
    )?;
    sleep(Duration::from_millis(300));
    expect(
        store.take_lease(&lease, "c", 60_000)?,
        "an expired lease is taken",
    )?;
    store.release_lease(&lease, "c")?;
    Ok(())
}
