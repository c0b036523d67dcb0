//! SSH signatures over `manifest.json`, in OpenSSH's SSHSIG format, so that anyone can check a
//! bundle with OpenSSH alone:
//!
//! ```sh
//! ssh-keygen -Y verify -f allowed_signers -I alice@example.com -n restart-conformance \
//!     -s manifest.json.sig < manifest.json
//! ```
//!
//! Signing reads an unencrypted OpenSSH private key (Ed25519 or ECDSA P-256); an encrypted key
//! is refused with the `ssh-keygen -Y sign` line that signs instead, since this tool asks for
//! no passphrase. Checking reads git's and OpenSSH's `allowed_signers` format:
//! `principal[,principal…] [options] keytype base64-key [comment]`, with the options
//! `namespaces="…"`, `valid-after="…"`, `valid-before="…"` and `cert-authority` (certificates
//! are not supported here: such lines are skipped, and `ssh-keygen` checks them).

use std::path::{Path, PathBuf};

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The SSHSIG namespace of a bundle's signature.
pub const NAMESPACE: &str = "restart-conformance";

/// Why a key cannot sign.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("error: cannot read the signing key {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "error: {} is not an OpenSSH private key ({why})\n  = help: give the private key file that `ssh-keygen -t ed25519` writes (it begins with -----BEGIN OPENSSH PRIVATE KEY-----)",
        .path.display()
    )]
    NotAKey { path: PathBuf, why: String },
    #[error(
        "error: the signing key {} is encrypted with a passphrase, which this tool does not ask for\n  = help: write the bundle without --sign, then sign it with OpenSSH, which asks for the passphrase:\n          ssh-keygen -Y sign -f {} -n {NAMESPACE} {}\n        (it writes {}.sig)",
        .path.display(), .path.display(), .manifest.display(), .manifest.display()
    )]
    Encrypted { path: PathBuf, manifest: PathBuf },
    #[error(
        "error: the key {} ({algorithm}) cannot sign here: this tool signs with Ed25519 and ECDSA P-256 keys\n  = help: sign with OpenSSH instead: ssh-keygen -Y sign -f {} -n {NAMESPACE} {}",
        .path.display(), .path.display(), .manifest.display()
    )]
    Unsupported {
        path: PathBuf,
        algorithm: String,
        manifest: PathBuf,
    },
}

/// Signs `message` with the key at `key`, for the file `manifest` (named in the help of an
/// error); returns the armored signature, as `ssh-keygen -Y sign` writes it.
pub fn sign(key: &Path, manifest: &Path, message: &[u8]) -> Result<String, SignError> {
    let bytes = std::fs::read(key).map_err(|source| SignError::Read {
        path: key.to_owned(),
        source,
    })?;
    let private = PrivateKey::from_openssh(&bytes).map_err(|e| SignError::NotAKey {
        path: key.to_owned(),
        why: e.to_string(),
    })?;
    if private.is_encrypted() {
        return Err(SignError::Encrypted {
            path: key.to_owned(),
            manifest: manifest.to_owned(),
        });
    }
    let unsupported = || SignError::Unsupported {
        path: key.to_owned(),
        algorithm: private.algorithm().to_string(),
        manifest: manifest.to_owned(),
    };
    // OpenSSH's `-Y sign` hashes with SHA-512.
    let sig = private
        .sign(NAMESPACE, HashAlg::Sha512, message)
        .map_err(|_| unsupported())?;
    sig.to_pem(LineEnding::LF).map_err(|_| unsupported())
}

/// One line of an allowed-signers file.
#[derive(Debug, Clone)]
pub struct AllowedSigner {
    pub principals: Vec<String>,
    pub namespaces: Option<Vec<String>>,
    pub valid_after: Option<chrono::DateTime<chrono::Utc>>,
    pub valid_before: Option<chrono::DateTime<chrono::Utc>>,
    pub cert_authority: bool,
    pub key: PublicKey,
    pub line: usize,
}

/// An allowed-signers file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("error: {}:{line}: {why}\n  = help: a line is `principal[,principal] [options] keytype base64-key`, as `ssh-keygen -Y verify -f` reads", .path.display())]
pub struct SignersError {
    pub path: PathBuf,
    pub line: usize,
    pub why: String,
}

/// Parses an allowed-signers file; blank lines and `#` comments are skipped.
pub fn parse_allowed_signers(path: &Path, text: &str) -> Result<Vec<AllowedSigner>, SignersError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |why: String| SignersError {
            path: path.to_owned(),
            line: i + 1,
            why,
        };
        let words = split_words(line);
        let mut words = words.iter();
        let principals: Vec<String> = words
            .next()
            .map(|p| p.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        let Some(mut next) = words.next() else {
            return Err(err("no key after the principals".into()));
        };
        let mut signer_opts = SignerOptions::default();
        if !is_key_type(next) {
            signer_opts = parse_options(next).map_err(err)?;
            next = words
                .next()
                .ok_or_else(|| err("no key after the options".into()))?;
        }
        let Some(base64) = words.next() else {
            return Err(err(format!("no key data after `{next}`")));
        };
        let key = PublicKey::from_openssh(&format!("{next} {base64}"))
            .map_err(|e| err(format!("the key cannot be read: {e}")))?;
        out.push(AllowedSigner {
            principals,
            namespaces: signer_opts.namespaces,
            valid_after: signer_opts.valid_after,
            valid_before: signer_opts.valid_before,
            cert_authority: signer_opts.cert_authority,
            key,
            line: i + 1,
        });
    }
    Ok(out)
}

fn is_key_type(word: &str) -> bool {
    word.starts_with("ssh-") || word.starts_with("ecdsa-") || word.starts_with("sk-")
}

/// Splits on blanks outside double quotes.
fn split_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                word.push(ch);
            }
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[derive(Default)]
struct SignerOptions {
    namespaces: Option<Vec<String>>,
    valid_after: Option<chrono::DateTime<chrono::Utc>>,
    valid_before: Option<chrono::DateTime<chrono::Utc>>,
    cert_authority: bool,
}

fn parse_options(word: &str) -> Result<SignerOptions, String> {
    let mut opts = SignerOptions::default();
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quoted = false;
    for ch in word.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => parts.push(std::mem::take(&mut part)),
            c => part.push(c),
        }
    }
    parts.push(part);
    for p in parts {
        let (name, value) = match p.split_once('=') {
            Some((n, v)) => (n.to_ascii_lowercase(), Some(v.to_owned())),
            None => (p.to_ascii_lowercase(), None),
        };
        match (name.as_str(), value) {
            ("cert-authority", None) => opts.cert_authority = true,
            ("namespaces", Some(v)) => {
                opts.namespaces = Some(v.split(',').map(|s| s.trim().to_owned()).collect());
            }
            ("valid-after", Some(v)) => opts.valid_after = Some(ssh_time(&v)?),
            ("valid-before", Some(v)) => opts.valid_before = Some(ssh_time(&v)?),
            (other, _) => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(opts)
}

/// `YYYYMMDD[HHMM[SS]][Z]`, as ssh-keygen reads it; without `Z` OpenSSH reads local time,
/// which this reads as UTC.
fn ssh_time(v: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let digits = v.trim_end_matches(['Z', 'z']);
    let padded = match digits.len() {
        8 => format!("{digits}000000"),
        12 => format!("{digits}00"),
        14 => digits.to_owned(),
        _ => return Err(format!("`{v}` is not a time (YYYYMMDD[HHMM[SS]][Z])")),
    };
    chrono::NaiveDateTime::parse_from_str(&padded, "%Y%m%d%H%M%S")
        .map(|t| t.and_utc())
        .map_err(|_| format!("`{v}` is not a time (YYYYMMDD[HHMM[SS]][Z])"))
}

/// Who signed, once the signature is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBy {
    pub principals: Vec<String>,
    /// `ED25519 SHA256:…`.
    pub key: String,
}

/// Why a signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureProblem {
    #[error("manifest.json.sig is not an SSH signature: {0}")]
    Unreadable(String),
    #[error("the signature is for the namespace `{0}`, not `{NAMESPACE}`")]
    Namespace(String),
    #[error("signed by a key that is not in the allowed signers: {0}")]
    KeyNotAllowed(String),
    #[error("the key {key} is allowed only {why} (allowed_signers line {line})")]
    NotNow {
        key: String,
        why: String,
        line: usize,
    },
    #[error(
        "the signature by {0} does not match manifest.json: the manifest was changed after it was signed"
    )]
    Mismatch(String),
}

/// Checks an armored signature over `message` against the allowed signers, at `now`.
pub fn verify(
    armored: &str,
    message: &[u8],
    signers: &[AllowedSigner],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SignedBy, SignatureProblem> {
    let sig = SshSig::from_pem(armored.trim())
        .map_err(|e| SignatureProblem::Unreadable(e.to_string()))?;
    let key = PublicKey::from(sig.public_key().clone());
    let shown = format!("{} {}", key.algorithm(), key.fingerprint(HashAlg::Sha256));
    if sig.namespace() != NAMESPACE {
        return Err(SignatureProblem::Namespace(sig.namespace().to_owned()));
    }
    let matching: Vec<&AllowedSigner> = signers
        .iter()
        .filter(|s| !s.cert_authority && s.key.key_data() == key.key_data())
        .filter(|s| {
            s.namespaces
                .as_ref()
                .is_none_or(|ns| ns.iter().any(|n| n == NAMESPACE || n == "*"))
        })
        .collect();
    let Some(first) = matching.first() else {
        return Err(SignatureProblem::KeyNotAllowed(shown));
    };
    let in_time = matching
        .iter()
        .find(|s| s.valid_after.is_none_or(|t| now >= t) && s.valid_before.is_none_or(|t| now < t));
    let Some(signer) = in_time else {
        let why = match (first.valid_after, first.valid_before) {
            (Some(a), _) if now < a => format!("from {}", a.to_rfc3339()),
            (_, Some(b)) => format!("until {}", b.to_rfc3339()),
            _ => "at other times".to_owned(),
        };
        return Err(SignatureProblem::NotNow {
            key: shown,
            why,
            line: first.line,
        });
    };
    key.verify(NAMESPACE, message, &sig)
        .map_err(|_| SignatureProblem::Mismatch(shown.clone()))?;
    Ok(SignedBy {
        principals: signer.principals.clone(),
        key: shown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::private::{Ed25519Keypair, KeypairData};

    fn key(seed: u8, dir: &Path) -> (PathBuf, String) {
        let pair = Ed25519Keypair::from_seed(&[seed; 32]);
        let private = PrivateKey::new(KeypairData::Ed25519(pair), "test").unwrap();
        let path = dir.join(format!("key{seed}"));
        std::fs::write(
            &path,
            private.to_openssh(LineEnding::LF).unwrap().as_bytes(),
        )
        .unwrap();
        (path, private.public_key().to_openssh().unwrap())
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }

    #[test]
    fn a_signature_holds_for_its_signer_and_its_message_only() {
        let dir = tempfile::tempdir().unwrap();
        let (alice, alice_pub) = key(1, dir.path());
        let (_, bob_pub) = key(2, dir.path());
        let armored = sign(&alice, Path::new("manifest.json"), b"manifest").unwrap();
        assert!(armored.starts_with("-----BEGIN SSH SIGNATURE-----"));
        let path = Path::new("allowed_signers");
        let both = parse_allowed_signers(
            path,
            &format!("# who signs\nalice@example.com namespaces=\"git,restart-conformance\" {alice_pub}\nbob@example.com {bob_pub}\n"),
        )
        .unwrap();
        let by = verify(&armored, b"manifest", &both, now()).unwrap();
        assert_eq!(by.principals, vec!["alice@example.com"]);
        assert!(by.key.starts_with("ssh-ed25519 SHA256:"), "{}", by.key);
        assert!(matches!(
            verify(&armored, b"manifesT", &both, now()),
            Err(SignatureProblem::Mismatch(_))
        ));
        let bob_only =
            parse_allowed_signers(path, &format!("bob@example.com {bob_pub}\n")).unwrap();
        assert!(matches!(
            verify(&armored, b"manifest", &bob_only, now()),
            Err(SignatureProblem::KeyNotAllowed(_))
        ));
        let other_ns = parse_allowed_signers(
            path,
            &format!("alice@example.com namespaces=\"git\" {alice_pub}\n"),
        )
        .unwrap();
        assert!(matches!(
            verify(&armored, b"manifest", &other_ns, now()),
            Err(SignatureProblem::KeyNotAllowed(_))
        ));
        let expired = parse_allowed_signers(
            path,
            &format!("alice@example.com valid-before=\"20200101\" {alice_pub}\n"),
        )
        .unwrap();
        assert!(matches!(
            verify(&armored, b"manifest", &expired, now()),
            Err(SignatureProblem::NotNow { .. })
        ));
    }

    #[test]
    fn an_allowed_signers_file_that_cannot_be_read_names_its_line() {
        let e = parse_allowed_signers(Path::new("allowed_signers"), "\n# c\nalice@example.com\n")
            .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().contains("allowed_signers:3: no key"), "{e}");
        let e = parse_allowed_signers(
            Path::new("a"),
            "alice valid-until=\"2020\" ssh-ed25519 AAAA\n",
        )
        .unwrap_err();
        assert!(e.why.contains("unknown option"), "{e}");
    }

    #[test]
    fn an_encrypted_or_foreign_key_says_how_to_sign_instead() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-a-key");
        std::fs::write(&path, "hello").unwrap();
        let e = sign(&path, Path::new("out/manifest.json"), b"m").unwrap_err();
        assert!(
            e.to_string().contains("is not an OpenSSH private key"),
            "{e}"
        );
    }
}
