//! The default credential chain: which one source a provider uses, decided from the
//! configuration (variables, options, profile files) when the provider is built, in the
//! official chains' order:
//!
//! 1. the environment's AccessKey (`ALIBABA_CLOUD_ACCESS_KEY_ID` and `…_SECRET`);
//! 2. OIDC (`ALIBABA_CLOUD_ROLE_ARN`, `…_OIDC_PROVIDER_ARN`, `…_OIDC_TOKEN_FILE`);
//! 3. a profile of the aliyun CLI's `config.json` (unless
//!    `ALIBABA_CLOUD_CLI_PROFILE_DISABLED`);
//! 4. a profile of the credentials ini file;
//! 5. the ECS RAM role, when `ALIBABA_CLOUD_ECS_METADATA` names it;
//! 6. `ALIBABA_CLOUD_CREDENTIALS_URI`;
//! 7. the ECS RAM role (discovered) when nothing else is configured, unless
//!    `ALIBABA_CLOUD_ECS_METADATA_DISABLED`.
//!
//! Unlike the official chains, nothing is tried: the first source whose configuration is
//! present is the source, and its failures (a half-set pair of variables, a broken
//! profile, later a failing fetch) are reported, never passed over for the next source. A
//! pod whose OIDC token is missing must not silently get the node's role. Resolving reads
//! variables and the profile files, nothing else: no thread, no network, no signal.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{
    check_duration, check_session_name, normalize_sts_endpoint, parse_bool, AssumeRoleConfig,
    Config, ProcessConfig, ProviderBuilder, SourceConfig, SourceInfo, SourceKind, StaticCredential,
    UriConfig, DEFAULT_DURATION, ENV_DISABLED, ENV_OIDC_PROVIDER_ARN, ENV_OIDC_TOKEN_FILE,
    ENV_ROLE, ENV_ROLE_ARN,
};
use crate::credential::Credential;
use crate::error::{Error, ErrorKind, Result};
use crate::profile::{self, shown, CliConfig, Format, Profile};

/// Environment variable: the AccessKeyId of the environment source.
pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// Environment variable: the AccessKeySecret of the environment source.
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// Environment variable: the SecurityToken of the environment source (optional).
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
/// Environment variable: the profile (of `config.json` or the ini file) to use.
pub const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";
/// Environment variable: the aliyun CLI's configuration file.
pub const ENV_CONFIG_FILE: &str = "ALIBABA_CLOUD_CONFIG_FILE";
/// Environment variable, a boolean: true skips the aliyun CLI's configuration.
pub const ENV_CLI_PROFILE_DISABLED: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";
/// Environment variable: the credentials ini file.
pub const ENV_CREDENTIALS_FILE: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";
/// Environment variable: the credentials URI.
pub const ENV_CREDENTIALS_URI: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";

/// Resolves the source `pinned` names ([`SourceKind::Chain`]: the chain's choice).
pub(crate) fn resolve(b: &ProviderBuilder, pinned: SourceKind) -> Result<Config> {
    let not_configured = |what: &str| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("the {} source is not configured: {what}", pinned.as_str()),
        )
    };
    let mut config = match pinned {
        SourceKind::Ecs => b.resolve_ecs()?,
        SourceKind::Oidc => b.resolve_oidc()?,
        SourceKind::Env => environment(b)?.ok_or_else(|| {
            not_configured(&format!(
                "set {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET}"
            ))
        })?,
        SourceKind::Profile => profiles(b)?.ok_or_else(|| {
            not_configured(
                "no aliyun CLI configuration (~/.aliyun/config.json, ALIBABA_CLOUD_CONFIG_FILE) \
                 or credentials file (~/.alibabacloud/credentials.ini, \
                 ALIBABA_CLOUD_CREDENTIALS_FILE) with the profile was found",
            )
        })?,
        SourceKind::Uri => credentials_uri(b)?
            .ok_or_else(|| not_configured(&format!("set {ENV_CREDENTIALS_URI}")))?,
        SourceKind::Chain => select(b)?,
    };
    config.info.chain = pinned == SourceKind::Chain;
    Ok(config)
}

/// The chain's choice: the first configured source.
fn select(b: &ProviderBuilder) -> Result<Config> {
    if let Some(config) = environment(b)? {
        return Ok(config);
    }
    if let Some(config) = oidc(b)? {
        return Ok(config);
    }
    if let Some(config) = profiles(b)? {
        return Ok(config);
    }
    let disabled = match b.disabled {
        Some(disabled) => disabled,
        None => flag(b, ENV_DISABLED)?,
    };
    if !disabled && (b.role_name.is_some() || b.env_var(ENV_ROLE)?.is_some()) {
        let mut config = b.resolve_ecs()?;
        config.info.selected_by = if b.role_name.is_some() {
            "the role name option".to_owned()
        } else {
            ENV_ROLE.to_owned()
        };
        return Ok(config);
    }
    if let Some(config) = credentials_uri(b)? {
        return Ok(config);
    }
    if disabled {
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "no credential source is configured: no {ENV_ACCESS_KEY_ID}, no OIDC \
                 variables, no aliyun CLI or credentials profile, no {ENV_CREDENTIALS_URI}, \
                 and the ECS RAM role is disabled ({ENV_DISABLED})"
            ),
        ));
    }
    let mut config = b.resolve_ecs()?;
    config.info.selected_by = "nothing else is configured (no AccessKey or OIDC variables, \
                               no profile file, no credentials URI)"
        .to_owned();
    Ok(config)
}

fn flag(b: &ProviderBuilder, name: &str) -> Result<bool> {
    b.env_var(name)?.map_or(Ok(false), |v| parse_bool(name, &v))
}

/// The environment's AccessKey: `None` when neither half is set; an error when one is.
fn environment(b: &ProviderBuilder) -> Result<Option<Config>> {
    let id = b.env_var(ENV_ACCESS_KEY_ID)?;
    let secret = b.env_var(ENV_ACCESS_KEY_SECRET)?;
    let token = b.env_var(ENV_SECURITY_TOKEN)?;
    let (id, secret) = match (id, secret) {
        (None, None) => return Ok(None),
        (Some(id), Some(secret)) => (id, zeroize::Zeroizing::new(secret)),
        (Some(_), None) => return Err(half_set(ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET)),
        (None, Some(_)) => return Err(half_set(ENV_ACCESS_KEY_SECRET, ENV_ACCESS_KEY_ID)),
    };
    let token = token.map(zeroize::Zeroizing::new);
    let credential =
        Credential::long_term(id.trim(), secret.trim(), token.as_deref().map(|t| t.trim()))
            .map_err(|field| {
                let var = match field {
                    crate::InvalidField::AccessKeyId => ENV_ACCESS_KEY_ID,
                    crate::InvalidField::SecurityToken => ENV_SECURITY_TOKEN,
                    _ => ENV_ACCESS_KEY_SECRET,
                };
                Error::new(
                    ErrorKind::InvalidConfig,
                    format!("{var} is not a valid {} (visible ASCII only)", field.name()),
                )
            })?;
    let by = if token.is_some() {
        format!("{ENV_ACCESS_KEY_ID}, {ENV_ACCESS_KEY_SECRET} and {ENV_SECURITY_TOKEN}")
    } else {
        format!("{ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET}")
    };
    Ok(Some(static_config(
        b,
        credential,
        SourceInfo::new(SourceKind::Env, "env", by),
    )?))
}

fn half_set(set: &str, missing: &str) -> Error {
    Error::new(
        ErrorKind::InvalidConfig,
        format!("{set} is set but {missing} is not: set both, or neither"),
    )
}

/// A configured credential's config.
fn static_config(b: &ProviderBuilder, credential: Credential, info: SourceInfo) -> Result<Config> {
    b.check_timeouts()?;
    Ok(Config {
        endpoint: String::new(),
        role: None,
        disabled: false,
        v1_disabled: false,
        connect_timeout: b.connect_timeout,
        read_timeout: b.read_timeout,
        fetch_timeout: b.fetch_timeout,
        token_ttl: b.token_ttl,
        source: SourceConfig::Static(StaticCredential(credential)),
        info,
    })
}

/// OIDC from the variables (or options): `None` when none of the three is set; an error
/// naming the missing ones when some are.
fn oidc(b: &ProviderBuilder) -> Result<Option<Config>> {
    let o = &b.oidc;
    let set = [
        (
            ENV_ROLE_ARN,
            o.role_arn.is_some() || b.env_var(ENV_ROLE_ARN)?.is_some(),
        ),
        (
            ENV_OIDC_PROVIDER_ARN,
            o.provider_arn.is_some() || b.env_var(ENV_OIDC_PROVIDER_ARN)?.is_some(),
        ),
        (
            ENV_OIDC_TOKEN_FILE,
            o.token_file.is_some() || b.env_var(ENV_OIDC_TOKEN_FILE)?.is_some(),
        ),
    ];
    let present: Vec<&str> = set.iter().filter(|(_, s)| *s).map(|(n, _)| *n).collect();
    if present.is_empty() {
        return Ok(None);
    }
    if present.len() < set.len() {
        let missing: Vec<&str> = set.iter().filter(|(_, s)| !*s).map(|(n, _)| *n).collect();
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "OIDC is partly configured: {} set but {} not; set all three (RRSA injects \
                 them into the pod), or unset the rest",
                present.join(" and "),
                missing.join(" and ")
            ),
        ));
    }
    let mut config = b.resolve_oidc()?;
    config.info.selected_by =
        format!("{ENV_ROLE_ARN}, {ENV_OIDC_PROVIDER_ARN} and {ENV_OIDC_TOKEN_FILE}");
    Ok(Some(config))
}

/// The profile to use, and what named it; `None`: each file's own default.
fn profile_name(b: &ProviderBuilder) -> Result<Option<(String, &'static str)>> {
    Ok(match &b.files.profile {
        Some(name) if !name.trim().is_empty() => {
            Some((name.trim().to_owned(), "the profile option"))
        }
        _ => b
            .env_var(ENV_PROFILE)?
            .map(|n| (n.trim().to_owned(), ENV_PROFILE)),
    })
}

/// A file named by an option or variable (which must exist), else the default path
/// under the home directory.
fn file_choice(
    b: &ProviderBuilder,
    option: &Option<PathBuf>,
    var: &'static str,
) -> Result<Option<(PathBuf, &'static str)>> {
    Ok(match option {
        Some(path) if !path.as_os_str().is_empty() => Some((path.clone(), "option")),
        _ => b.env_var(var)?.map(|p| (PathBuf::from(p.trim()), var)),
    })
}

fn home(b: &ProviderBuilder) -> Result<Option<PathBuf>> {
    Ok(b.env_var("HOME")?.map(|h| PathBuf::from(h.trim())))
}

fn missing_file(path: &std::path::Path, named_by: &str) -> Error {
    Error::new(
        ErrorKind::InvalidConfig,
        format!("{} does not exist (named by {named_by})", path.display()),
    )
}

/// The profile sources: the aliyun CLI's `config.json`, then the credentials ini file.
fn profiles(b: &ProviderBuilder) -> Result<Option<Config>> {
    let named = profile_name(b)?;
    let mut looked_in = Vec::new();
    if !flag(b, ENV_CLI_PROFILE_DISABLED)? {
        let file = match file_choice(b, &b.files.config_file, ENV_CONFIG_FILE)? {
            Some((path, by)) => match profile::read_cli_config(&path)? {
                Some(cli) => Some(cli),
                None => return Err(missing_file(&path, by)),
            },
            None => match home(b)? {
                Some(home) => profile::read_cli_config(&home.join(".aliyun/config.json"))?,
                None => None,
            },
        };
        if let Some(cli) = file {
            let (name, by) = match &named {
                Some((name, by)) => (name.clone(), *by),
                None => match &cli.current {
                    Some(current) => (current.clone(), "its \"current\""),
                    None => {
                        return Err(Error::new(
                            ErrorKind::InvalidConfig,
                            format!(
                                "the aliyun CLI configuration {} names no \"current\" profile: \
                                 set {ENV_PROFILE} or run `aliyun configure`",
                                cli.file.display()
                            ),
                        ))
                    }
                },
            };
            match cli.find(&name) {
                Some(p) => {
                    let mut config = cli_profile(b, &cli, p, &mut Vec::new())?;
                    config.info.selected_by = format!("{}, named by {by}", p.describe());
                    config.info.file = Some(cli.file.clone());
                    config.info.profile = Some(name);
                    return Ok(Some(config));
                }
                None if named.is_some() => looked_in.push(cli.file.display().to_string()),
                None => {
                    return Err(Error::new(
                        ErrorKind::InvalidConfig,
                        format!(
                            "the aliyun CLI configuration {} names {} as \"current\" but has \
                             no such profile",
                            cli.file.display(),
                            shown(&name)
                        ),
                    ))
                }
            }
        }
    }
    let file = match file_choice(b, &b.files.credentials_file, ENV_CREDENTIALS_FILE)? {
        Some((path, by)) => match profile::read_ini(&path)? {
            Some(profiles) => Some((path, profiles)),
            None => return Err(missing_file(&path, by)),
        },
        None => match home(b)? {
            Some(home) => {
                let mut found = None;
                for leaf in [".alibabacloud/credentials.ini", ".alibabacloud/credentials"] {
                    let path = home.join(leaf);
                    if let Some(profiles) = profile::read_ini(&path)? {
                        found = Some((path, profiles));
                        break;
                    }
                }
                found
            }
            None => None,
        },
    };
    let (name, by) = match &named {
        Some((name, by)) => (name.clone(), *by),
        None => ("default".to_owned(), "default"),
    };
    if let Some((path, ini)) = file {
        if let Some(p) = ini.iter().find(|p| p.name == name) {
            let mut config = ini_profile(b, p)?;
            config.info.selected_by = if named.is_some() {
                format!("{}, named by {by}", p.describe())
            } else {
                format!("{} (the default section)", p.describe())
            };
            config.info.file = Some(path);
            config.info.profile = Some(name);
            return Ok(Some(config));
        }
        looked_in.push(path.display().to_string());
    }
    match named {
        Some((name, by)) => Err(Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "the profile {} named by {by} is not in {}",
                shown(&name),
                if looked_in.is_empty() {
                    "any profile file (none exists)".to_owned()
                } else {
                    looked_in.join(" or ")
                }
            ),
        )),
        None => Ok(None),
    }
}

/// The source of an aliyun CLI profile. `chain`: the profiles already on the way here
/// through `source_profile`, to refuse a cycle.
fn cli_profile(
    b: &ProviderBuilder,
    cli: &CliConfig,
    p: &Profile,
    chain: &mut Vec<String>,
) -> Result<Config> {
    let mode = p.mode()?.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("{}: \"mode\" is missing", p.describe()),
        )
    })?;
    let info =
        |name: &str| SourceInfo::new(SourceKind::Profile, &format!("cli_profile/{name}"), "");
    let config = match mode.as_str() {
        "AK" => {
            let credential = key_of(p, "access_key_id", "access_key_secret", None)?;
            static_config(b, credential, info("static_ak"))?
        }
        "StsToken" => {
            let credential = key_of(p, "access_key_id", "access_key_secret", Some("sts_token"))?;
            static_config(b, credential, info("static_sts"))?
        }
        "RamRoleArn" => {
            let credential = key_of(p, "access_key_id", "access_key_secret", None)?;
            let base = static_config(b, credential, info("static_ak"))?;
            assume_role(
                b,
                p,
                base,
                "ram_role_arn",
                "ram_session_name",
                "expired_seconds",
                info("ram_role_arn"),
            )?
        }
        "ChainableRamRoleArn" => {
            let source = p.required("source_profile")?;
            if chain.contains(&*source) || *source == p.name {
                return Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format!(
                        "{}: \"source_profile\" leads back to itself ({} -> {})",
                        p.describe(),
                        chain
                            .iter()
                            .chain([&p.name])
                            .map(|n| shown(n))
                            .collect::<Vec<_>>()
                            .join(" -> "),
                        shown(&source)
                    ),
                ));
            }
            let Some(source_profile) = cli.find(&source) else {
                return Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format!(
                        "{}: its \"source_profile\" {} does not exist",
                        p.describe(),
                        shown(&source)
                    ),
                ));
            };
            chain.push(p.name.clone());
            let base = cli_profile(b, cli, source_profile, chain)?;
            chain.pop();
            let name = format!(
                "ram_role_arn/{}",
                base.info.name.trim_start_matches("cli_profile/")
            );
            assume_role(
                b,
                p,
                base,
                "ram_role_arn",
                "ram_session_name",
                "expired_seconds",
                info(&name),
            )?
        }
        "EcsRamRole" => {
            let mut ecs = b.clone();
            if let Some(role) = p.text("ram_role_name")? {
                ecs.role_name = Some(role.to_string());
            }
            let mut config = ecs.resolve_ecs().map_err(|e| e.context(p.describe()))?;
            config.info = info("ecs_ram_role");
            config
        }
        "OIDC" => {
            let mut o = b.clone();
            o.oidc.role_arn = Some(p.required("ram_role_arn")?.to_string());
            o.oidc.provider_arn = Some(p.required("oidc_provider_arn")?.to_string());
            o.oidc.token_file = Some(PathBuf::from(p.required("oidc_token_file")?.as_str()));
            if let Some(name) = p.text("role_session_name")? {
                o.oidc.session_name = Some(name.to_string());
            }
            let mut config = o.resolve_oidc().map_err(|e| e.context(p.describe()))?;
            config.info = info("oidc_role_arn");
            config
        }
        "External" => {
            let command = p.required("process_command")?;
            process_config(b, &command, info("external"))?
        }
        "CredentialsURI" => {
            let uri = p.required("credentials_uri")?;
            uri_config(b, &uri, info("credential_uri"), &p.describe())?
        }
        other => {
            return Err(Error::new(
                ErrorKind::InvalidConfig,
                format!(
                    "{}: its \"mode\" is not one ecscred supports (AK, StsToken, \
                     RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC, External, \
                     CredentialsURI){}",
                    p.describe(),
                    rsa_hint(other)
                ),
            ))
        }
    };
    Ok(config)
}

/// The source of a credentials ini section (`type` = `access_key`, `ecs_ram_role`,
/// `ram_role_arn`, `oidc_role_arn`).
fn ini_profile(b: &ProviderBuilder, p: &Profile) -> Result<Config> {
    debug_assert_eq!(p.format, Format::Ini);
    let kind = p.mode()?.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("{}: \"type\" is missing", p.describe()),
        )
    })?;
    let info = |name: &str| SourceInfo::new(SourceKind::Profile, &format!("profile/{name}"), "");
    match kind.as_str() {
        "access_key" => {
            let credential = key_of(p, "access_key_id", "access_key_secret", None)?;
            static_config(b, credential, info("access_key"))
        }
        "ram_role_arn" => {
            let credential = key_of(p, "access_key_id", "access_key_secret", None)?;
            let base = static_config(b, credential, info("access_key"))?;
            assume_role(
                b,
                p,
                base,
                "role_arn",
                "role_session_name",
                "duration_seconds",
                info("ram_role_arn"),
            )
        }
        "ecs_ram_role" => {
            let mut ecs = b.clone();
            if let Some(role) = p.text("role_name")? {
                ecs.role_name = Some(role.to_string());
            }
            let mut config = ecs.resolve_ecs().map_err(|e| e.context(p.describe()))?;
            config.info = info("ecs_ram_role");
            Ok(config)
        }
        "oidc_role_arn" => {
            let mut o = b.clone();
            o.oidc.role_arn = Some(p.required("role_arn")?.to_string());
            o.oidc.provider_arn = Some(p.required("oidc_provider_arn")?.to_string());
            o.oidc.token_file = Some(PathBuf::from(p.required("oidc_token_file_path")?.as_str()));
            if let Some(name) = p.text("role_session_name")? {
                o.oidc.session_name = Some(name.to_string());
            }
            let mut config = o.resolve_oidc().map_err(|e| e.context(p.describe()))?;
            config.info = info("oidc_role_arn");
            Ok(config)
        }
        _ => Err(Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "{}: its \"type\" is not one ecscred supports (access_key, ecs_ram_role, \
                 ram_role_arn, oidc_role_arn)",
                p.describe(),
            ),
        )),
    }
}

/// A word on the aliyun CLI's modes that ecscred knows but does not serve (the value is
/// compared, never shown: a misplaced secret must not reach a message).
fn rsa_hint(mode: &str) -> &'static str {
    match mode {
        "RsaKeyPair" => "; RsaKeyPair is retired by Alibaba Cloud",
        "CloudSSO" => "; for CloudSSO, use an External profile running `aliyun sso`",
        _ => "",
    }
}

/// The long-term key (and token) in a profile's fields.
fn key_of(p: &Profile, id: &str, secret: &str, token: Option<&str>) -> Result<Credential> {
    let id_value = p.required(id)?;
    let secret_value = p.required(secret)?;
    let token_value = match token {
        Some(key) => Some(p.required(key)?),
        None => None,
    };
    Credential::long_term(
        &id_value,
        &secret_value,
        token_value.as_deref().map(String::as_str),
    )
    .map_err(|field| {
        let key = match field {
            crate::InvalidField::AccessKeyId => id,
            crate::InvalidField::SecurityToken => token.unwrap_or(secret),
            _ => secret,
        };
        Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "{}: \"{key}\" is not valid (visible ASCII only)",
                p.describe()
            ),
        )
    })
}

/// `AssumeRole` of the role a profile names, signed by `base`'s credential.
fn assume_role(
    b: &ProviderBuilder,
    p: &Profile,
    base: Config,
    arn_key: &str,
    session_key: &str,
    duration_key: &str,
    info: SourceInfo,
) -> Result<Config> {
    let role_arn = p.required(arn_key)?.to_string();
    if !role_arn.starts_with("acs:") || !role_arn.bytes().all(|c| c.is_ascii_graphic()) {
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "{}: \"{arn_key}\" is not an ARN (acs:ram::<account>:role/<name>)",
                p.describe()
            ),
        ));
    }
    let session_name = p.text(session_key)?.map(|s| s.to_string());
    if let Some(name) = &session_name {
        check_session_name(name, &format!("\"{session_key}\" of {}", p.describe()))?;
    }
    let duration = p
        .number(duration_key)?
        .map_or(DEFAULT_DURATION, Duration::from_secs);
    check_duration(duration, &format!("\"{duration_key}\" of {}", p.describe()))?;
    let policy = p.text("policy")?.map(|s| s.to_string());
    let external_id = p.text("external_id")?.map(|s| s.to_string());
    let region = p.text("sts_region")?;
    let vpc = p.boolean("enable_vpc")?.unwrap_or(false);
    let what = format!("\"sts_region\" of {}", p.describe());
    let endpoint =
        b.resolved_sts_endpoint(region.as_deref().map(|r| (r.as_str(), vpc, what.as_str())))?;
    let extra_roots = b.sts_extra_roots()?;
    b.check_timeouts()?;
    Ok(Config {
        endpoint,
        role: None,
        disabled: false,
        v1_disabled: false,
        connect_timeout: b.connect_timeout,
        read_timeout: b.read_timeout,
        fetch_timeout: b.fetch_timeout,
        token_ttl: b.token_ttl,
        source: SourceConfig::AssumeRole(AssumeRoleConfig {
            base: Box::new(base),
            role_arn,
            session_name,
            duration,
            policy,
            external_id,
            extra_roots,
        }),
        info,
    })
}

fn process_config(b: &ProviderBuilder, command: &str, info: SourceInfo) -> Result<Config> {
    let argv: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
    b.check_timeouts()?;
    Ok(Config {
        endpoint: String::new(),
        role: None,
        disabled: false,
        v1_disabled: false,
        connect_timeout: b.connect_timeout,
        read_timeout: b.read_timeout,
        fetch_timeout: b.fetch_timeout,
        token_ttl: b.token_ttl,
        source: SourceConfig::Process(ProcessConfig { argv }),
        info,
    })
}

/// The credentials URI source: `None` when no URI is configured.
fn credentials_uri(b: &ProviderBuilder) -> Result<Option<Config>> {
    let (uri, by) = match &b.files.credentials_uri {
        Some(uri) if !uri.trim().is_empty() => (uri.clone(), "the credentials_uri option"),
        _ => match b.env_var(ENV_CREDENTIALS_URI)? {
            Some(uri) => (uri, ENV_CREDENTIALS_URI),
            None => return Ok(None),
        },
    };
    let info = SourceInfo::new(SourceKind::Uri, "credential_uri", by);
    uri_config(b, &uri, info, by).map(Some)
}

/// A credentials URI's config: https, or http to loopback; its origin is what is shown.
fn uri_config(b: &ProviderBuilder, raw: &str, info: SourceInfo, by: &str) -> Result<Config> {
    let invalid = |why: String| Error::new(ErrorKind::InvalidConfig, format!("{by}: {why}"));
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| invalid(format!("the credentials URI is not a valid URL ({e})")))?;
    let origin = format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port().map(|p| format!(":{p}")).unwrap_or_default()
    );
    // The same rules as for STS (https, or http to loopback; no user info), checked on
    // the origin; the path and query are the URI's own.
    normalize_sts_endpoint(&origin).map_err(|why| invalid(format!("the credentials URI {why}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "the credentials URI must not carry user info".to_owned(),
        ));
    }
    b.check_timeouts()?;
    Ok(Config {
        endpoint: origin,
        role: None,
        disabled: false,
        v1_disabled: false,
        connect_timeout: b.connect_timeout,
        read_timeout: b.read_timeout,
        fetch_timeout: b.fetch_timeout,
        token_ttl: b.token_ttl,
        source: SourceConfig::Uri(UriConfig {
            url: url.to_string(),
            extra_roots: b.sts_extra_roots()?,
        }),
        info,
    })
}
