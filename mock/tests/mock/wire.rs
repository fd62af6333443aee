//! The mock's metadata wire behaviour, as ECS answers: the token PUT and its TTL header,
//! the role listing, the credential JSON, and the status codes of each mode.

use std::time::{Duration, SystemTime};

use ecscred_mock::{parse_utc, Counters, MockConfig, MockServer, Mode};

use crate::client::*;

fn start(mode: Mode) -> MockServer {
    MockServer::start(MockConfig::default().with_mode(mode)).unwrap()
}

#[test]
fn token_put_issues_unique_text_tokens() {
    let server = start(Mode::Normal);
    let reply = put_token(&server, "60");
    assert_eq!(reply.status, 200);
    let first = reply.text().to_owned();
    assert!(first.len() >= 32 && first.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_ne!(token(&server), first);
    assert_eq!(put_token(&server, "1").status, 200);
    assert_eq!(server.counters().token_puts, 3);
}

#[test]
fn token_put_rejects_a_bad_ttl_with_400() {
    let server = start(Mode::Normal);
    for ttl in [
        "0",
        "21601",
        "abc",
        "-1",
        "1.5",
        "",
        "99999999999999999999999",
    ] {
        let reply = put_token(&server, ttl);
        assert_eq!(reply.status, 400, "ttl {ttl:?}");
        assert_eq!(reply.text(), "400 - Bad Request");
    }
    let missing = request(server.port(), "PUT", TOKEN, &[], "").unwrap();
    assert_eq!(missing.status, 400);
    assert_eq!(server.counters().token_puts, 8);
}

#[test]
fn token_put_through_a_proxy_is_forbidden() {
    let server = start(Mode::Normal);
    let headers = [(TTL_HEADER, "60"), ("X-Forwarded-For", "10.0.0.1")];
    let reply = request(server.port(), "PUT", TOKEN, &headers, "").unwrap();
    assert_eq!(reply.status, 403);
}

#[test]
fn token_path_with_another_method_is_405() {
    let server = start(Mode::Hardened);
    for method in ["GET", "POST", "DELETE"] {
        let reply = request(server.port(), method, TOKEN, &[(TTL_HEADER, "60")], "").unwrap();
        assert_eq!(reply.status, 405, "{method}");
    }
    let counters = server.counters();
    assert_eq!((counters.token_puts, counters.requests), (0, 3));
}

#[test]
fn v1_only_has_no_token_path_and_ignores_tokens() {
    let server = start(Mode::V1Only);
    assert_eq!(put_token(&server, "60").status, 404);
    assert_eq!(
        request(server.port(), "GET", TOKEN, &[], "")
            .unwrap()
            .status,
        404
    );
    let reply = get_with_token(&server, ROLES, "not-a-token");
    assert_eq!((reply.status, reply.text()), (200, "EcsRamRoleTest\n"));
    assert_eq!(get(&server, CREDENTIAL).status, 200);
}

#[test]
fn hardened_mode_needs_a_token() {
    let server = start(Mode::Hardened);
    for path in [ROLES, CREDENTIAL] {
        let reply = get(&server, path);
        assert_eq!(
            (reply.status, reply.text()),
            (403, "403 - Forbidden"),
            "{path}"
        );
    }
    let token = token(&server);
    assert_eq!(get_with_token(&server, ROLES, &token).status, 200);
    assert_eq!(get_with_token(&server, CREDENTIAL, &token).status, 200);
    // A token is reusable until its TTL ends.
    assert_eq!(get_with_token(&server, CREDENTIAL, &token).status, 200);
}

#[test]
fn normal_mode_takes_a_token_or_none_but_not_a_bad_one() {
    let server = start(Mode::Normal);
    assert_eq!(get(&server, CREDENTIAL).status, 200);
    assert_eq!(
        get_with_token(&server, CREDENTIAL, &token(&server)).status,
        200
    );
    let reply = get_with_token(&server, CREDENTIAL, "forged");
    assert_eq!((reply.status, reply.text()), (401, "401 - Unauthorized"));
    let hardened = start(Mode::Hardened);
    assert_eq!(get_with_token(&hardened, ROLES, "forged").status, 401);
}

#[test]
fn expire_tokens_invalidates_every_token_issued_so_far() {
    let server = start(Mode::Hardened);
    let old = token(&server);
    server.expire_tokens();
    assert_eq!(get_with_token(&server, ROLES, &old).status, 401);
    assert_eq!(get_with_token(&server, ROLES, &token(&server)).status, 200);
}

#[test]
fn tokens_expire_after_their_ttl_in_mock_time() {
    let server = start(Mode::Hardened);
    let reply = put_token(&server, "10");
    let short = reply.text();
    let long = token(&server);
    assert_eq!(get_with_token(&server, ROLES, short).status, 200);
    server.advance(Duration::from_secs(11));
    assert_eq!(get_with_token(&server, ROLES, short).status, 401);
    assert_eq!(get_with_token(&server, ROLES, &long).status, 200);
}

#[test]
fn role_listing_is_the_role_and_a_newline() {
    let server = MockServer::start(MockConfig::default().with_role("my-role")).unwrap();
    let reply = get(&server, ROLES);
    assert_eq!((reply.status, reply.text()), (200, "my-role\n"));
    assert_eq!(reply.header("content-type"), Some("text/plain"));
    let creds = get(
        &server,
        "/latest/meta-data/ram/security-credentials/my-role",
    );
    assert_eq!(creds.status, 200);
}

#[test]
fn credential_json_has_the_ecs_shape() {
    let server = start(Mode::Normal);
    let reply = get(&server, CREDENTIAL);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let json = reply.json();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let want = [
        "AccessKeyId",
        "AccessKeySecret",
        "Code",
        "Expiration",
        "LastUpdated",
        "SecurityToken",
    ];
    assert_eq!(keys, want);
    assert_eq!(json["Code"], "Success");

    let current = server.current_credential();
    assert_eq!(json["AccessKeyId"], current.access_key_id.as_str());
    assert_eq!(json["AccessKeySecret"], current.access_key_secret.as_str());
    assert_eq!(json["SecurityToken"], current.security_token.as_str());
    let expiration = parse_utc(json["Expiration"].as_str().unwrap()).unwrap();
    let last_updated = parse_utc(json["LastUpdated"].as_str().unwrap()).unwrap();
    assert_eq!(
        (expiration, last_updated),
        (current.expiration, current.last_updated)
    );
    assert_eq!(
        expiration.duration_since(last_updated).unwrap(),
        Duration::from_secs(6 * 3600)
    );
    assert!(last_updated <= server.now() && expiration > SystemTime::now());
    assert_eq!(server.issued(), [current]);
}

#[test]
fn unknown_roles_paths_and_methods() {
    let server = start(Mode::Normal);
    for path in [
        "/latest/meta-data/ram/security-credentials/OtherRole",
        "/latest/meta-data/ram/security-credentials/EcsRamRoleTest/",
        "/latest/meta-data/instance-id",
        "/latest/meta-data/ram/security-credentials",
        "/",
    ] {
        let reply = get(&server, path);
        assert_eq!(
            (reply.status, reply.text()),
            (404, "404 - Not Found"),
            "{path}"
        );
    }
    assert_eq!(
        request(server.port(), "POST", CREDENTIAL, &[], "")
            .unwrap()
            .status,
        405
    );
    assert!(server.issued().is_empty());
}

#[test]
fn rotation_hands_out_the_next_credential_while_the_old_one_is_still_valid() {
    let rotate_before = Duration::from_secs(30 * 60);
    let server = start(Mode::Normal);
    let first = get(&server, CREDENTIAL).json();
    let first_expiration = parse_utc(first["Expiration"].as_str().unwrap()).unwrap();
    let rotation_at = first_expiration - rotate_before;

    // A minute before the rotation point: still the same credential.
    server.advance(rotation_at.duration_since(server.now()).unwrap() - Duration::from_secs(60));
    assert_eq!(
        get(&server, CREDENTIAL).json()["AccessKeyId"],
        first["AccessKeyId"]
    );

    server.advance(Duration::from_secs(60));
    let second = get(&server, CREDENTIAL).json();
    assert_ne!(second["AccessKeyId"], first["AccessKeyId"]);
    assert_ne!(second["AccessKeySecret"], first["AccessKeySecret"]);
    assert_eq!(
        parse_utc(second["LastUpdated"].as_str().unwrap()).unwrap(),
        rotation_at
    );
    assert!(
        first_expiration > server.now(),
        "the old credential still works"
    );
    assert_eq!(
        parse_utc(second["Expiration"].as_str().unwrap()).unwrap(),
        rotation_at + Duration::from_secs(6 * 3600)
    );

    let issued = server.issued();
    assert_eq!(issued.len(), 2);
    assert_eq!(issued[1], server.current_credential());
    assert_eq!(
        server.counters(),
        Counters {
            credential_gets: 3,
            requests: 3,
            max_concurrent: 1,
            ..Counters::default()
        }
    );
}

#[test]
fn rotation_follows_a_custom_lifetime() {
    let config = MockConfig::default()
        .with_lifetime(Duration::from_secs(3600))
        .with_rotate_before(Duration::from_secs(600));
    let server = MockServer::start(config).unwrap();
    let first = server.current_credential();
    assert_eq!(
        first.expiration.duration_since(first.last_updated).unwrap(),
        Duration::from_secs(3600)
    );
    server.advance(Duration::from_secs(3000));
    let second = server.current_credential();
    assert_ne!(second, first);
    assert_eq!(
        second.last_updated,
        first.last_updated + Duration::from_secs(3000)
    );
    // The same index always yields the same values.
    assert_eq!(server.current_credential(), second);
}
