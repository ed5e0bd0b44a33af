use super::*;

#[test]
fn paths_ids_and_moves() {
    let mut s = Store::new("a@b.example");
    let phish = s.ensure("Inbox/Phishing");
    assert_eq!(s.ensure("inbox/PHISHING"), phish);
    assert_eq!(s.resolve("INBOX/phishing").unwrap().id, phish);
    assert_eq!(s.resolve("junkemail").unwrap().name, "Junk Email");
    assert!(s.resolve("Inbox/Nope").is_none());
    assert_eq!(s.path_of(&phish), "Inbox/Phishing");
    let id = s.add_message(&phish, b"Subject: x\r\n\r\nhi", false, 0, vec![], "Normal");
    assert!(id.len() >= 100 && id.starts_with("AAMkA"), "{id}");
    let ck = s.message(&id).unwrap().change_key.clone();
    assert_ne!(s.touch(&id).unwrap(), ck);
    let inbox = s.resolve("Inbox").unwrap().id.clone();
    let moved = s.move_message(&id, &inbox).unwrap();
    assert_ne!(moved, id);
    assert!(s.message(&id).is_none());
    assert_eq!(s.counts(&inbox), (1, 1));
}
