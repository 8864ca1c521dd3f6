//! The services' TLS Secrets for `kubectl schemahero install`: `schemahero-planner-tls`,
//! `schemahero-watcher-tls` and `schemahero-executor-tls` (type kubernetes.io/tls with tls.crt,
//! tls.key and ca.crt, cert-manager's layout), mounted by deploy/base at /etc/schemahero/tls.
//!
//! When none exists, install generates a CA (10 years) and the three certificates (1 year) and
//! creates the Secrets labelled [`GENERATED_LABEL`]; when all exist (cert-manager, or an earlier
//! install) they are left untouched. Uninstall deletes only the labelled ones. The CA's key is
//! not kept: renewing means deleting the generated Secrets and installing again.

use anyhow::{Context, Result, bail};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{DeleteParams, ObjectMeta, PostParams};
use kube::{Api, Client};
use schemahero_tls::pki::CertificateAuthority;
use schemahero_tls::roles;
use std::collections::BTreeMap;

/// The label install puts on the Secrets it generated (and the only ones uninstall deletes).
pub const GENERATED_LABEL: &str = "schemahero.io/generated-by";
pub const GENERATED_VALUE: &str = "kubectl-schemahero";

const CA_DAYS: i64 = 3650;
const CERT_DAYS: i64 = 365;

/// Each service: its Secret, the certificate's CN and its group (none for the planner).
const SERVICES: [(&str, &str, Option<&str>); 3] = [
    ("schemahero-planner-tls", "schemahero-planner", None),
    ("schemahero-watcher-tls", "schemahero-watcher", Some(roles::WATCHER)),
    ("schemahero-executor-tls", "schemahero-executor", Some(roles::EXECUTOR)),
];

pub fn secret_names() -> [&'static str; 3] {
    SERVICES.map(|(secret, _, _)| secret)
}

/// The names the planner's certificate carries: its Service in every form a client may use, and
/// the loopback names the CLI uses through `kubectl port-forward`.
pub fn planner_names(namespace: &str) -> Vec<String> {
    let service = "schemahero-planner";
    vec![
        service.to_string(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
        "localhost".to_string(),
        "127.0.0.1".to_string(),
    ]
}

/// A new CA and the three Secrets it signs, labelled as generated.
pub fn generate(namespace: &str) -> Result<Vec<Secret>> {
    let ca = CertificateAuthority::generate(&format!("schemahero-ca ({namespace})"), CA_DAYS).context("generating the CA")?;
    let planner_names = planner_names(namespace);
    SERVICES
        .iter()
        .map(|(secret, user, group)| {
            let names: Vec<&str> = if group.is_none() { planner_names.iter().map(String::as_str).collect() } else { Vec::new() };
            let groups: Vec<&str> = group.iter().copied().collect();
            let issued = ca.issue(user, &groups, &names, CERT_DAYS).with_context(|| format!("issuing the certificate of {user}"))?;
            let data = BTreeMap::from([
                ("tls.crt".to_string(), ByteString(issued.cert_pem.into_bytes())),
                ("tls.key".to_string(), ByteString(issued.key_pem.into_bytes())),
                ("ca.crt".to_string(), ByteString(ca.cert_pem.clone().into_bytes())),
            ]);
            let labels = BTreeMap::from([
                ("app.kubernetes.io/name".to_string(), user.to_string()),
                ("app.kubernetes.io/part-of".to_string(), "schemahero".to_string()),
                (GENERATED_LABEL.to_string(), GENERATED_VALUE.to_string()),
            ]);
            Ok(Secret {
                metadata: ObjectMeta {
                    name: Some(secret.to_string()),
                    namespace: Some(namespace.to_string()),
                    labels: Some(labels),
                    ..ObjectMeta::default()
                },
                type_: Some("kubernetes.io/tls".to_string()),
                data: Some(data),
                ..Secret::default()
            })
        })
        .collect()
}

fn generated(secret: &Secret) -> bool {
    secret.metadata.labels.as_ref().and_then(|l| l.get(GENERATED_LABEL)).is_some_and(|v| v == GENERATED_VALUE)
}

/// What install does about the Secrets, given which exist.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Generate,
    /// All exist; the names of those install did not generate.
    KeepAll {
        foreign: Vec<String>,
    },
    /// Some exist and some do not: certificates from a new CA would not be trusted by the others.
    Partial {
        present: Vec<String>,
        missing: Vec<String>,
    },
}

pub fn decide(existing: &[(String, Option<Secret>)]) -> Decision {
    let (present, missing): (Vec<_>, Vec<_>) = existing.iter().partition(|(_, s)| s.is_some());
    if present.is_empty() {
        Decision::Generate
    } else if missing.is_empty() {
        let foreign = present.iter().filter(|(_, s)| !s.as_ref().is_some_and(generated)).map(|(n, _)| n.clone()).collect();
        Decision::KeepAll { foreign }
    } else {
        Decision::Partial {
            present: present.into_iter().map(|(n, _)| n.clone()).collect(),
            missing: missing.into_iter().map(|(n, _)| n.clone()).collect(),
        }
    }
}

async fn existing(api: &Api<Secret>) -> Result<Vec<(String, Option<Secret>)>> {
    let mut out = Vec::new();
    for name in secret_names() {
        let secret = api.get_opt(name).await.with_context(|| format!("reading Secret {name}"))?;
        out.push((name.to_string(), secret));
    }
    Ok(out)
}

/// Creates the Secrets when none exists; leaves them alone when all do. Returns what it did.
pub async fn ensure(client: &Client, namespace: &str) -> Result<String> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    match decide(&existing(&api).await?) {
        Decision::Generate => {
            let mut out = String::new();
            for secret in generate(namespace)? {
                let name = secret.metadata.name.clone().unwrap_or_default();
                api.create(&PostParams::default(), &secret).await.with_context(|| format!("creating Secret {name}"))?;
                out.push_str(&format!("Secret/{name} created (generated certificate, valid {CERT_DAYS} days)\n"));
            }
            Ok(out)
        }
        Decision::KeepAll { foreign } => Ok(secret_names()
            .iter()
            .map(|name| {
                let by = if foreign.iter().any(|f| f == name) {
                    "not created by install, e.g. cert-manager"
                } else {
                    "generated by an earlier install"
                };
                format!("Secret/{name} exists ({by}): left untouched\n")
            })
            .collect()),
        Decision::Partial { present, missing } => bail!(
            "in namespace {namespace} the TLS Secrets {} exist but {} do not; all three must come from one CA. If cert-manager \
             issues them, wait until its Certificates are Ready and install again; if an earlier install generated them, delete \
             them (kubectl delete secret -n {namespace} -l {GENERATED_LABEL}={GENERATED_VALUE}) and install again",
            present.join(", "),
            missing.join(", ")
        ),
    }
}

/// `install --tls-secrets-only`: the namespace (created when missing) and the Secrets.
pub async fn ensure_with_namespace(client: &Client, namespace: &str) -> Result<String> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let mut out = String::new();
    if namespaces.get_opt(namespace).await.with_context(|| format!("reading Namespace {namespace}"))?.is_none() {
        let ns = Namespace { metadata: ObjectMeta { name: Some(namespace.to_string()), ..ObjectMeta::default() }, ..Namespace::default() };
        namespaces.create(&PostParams::default(), &ns).await.with_context(|| format!("creating Namespace {namespace}"))?;
        out.push_str(&format!("Namespace/{namespace} created\n"));
    }
    out.push_str(&ensure(client, namespace).await?);
    Ok(out)
}

/// Deletes the Secrets install generated. Returns what it did and the names of the TLS Secrets
/// it left in place (not generated by install).
pub async fn remove_generated(client: &Client, namespace: &str) -> Result<(String, Vec<String>)> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let mut out = String::new();
    let mut kept = Vec::new();
    for (name, secret) in existing(&api).await? {
        match secret {
            Some(s) if generated(&s) => match api.delete(&name, &DeleteParams::default()).await {
                Ok(_) => out.push_str(&format!("Secret/{name} deleted\n")),
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => return Err(e).with_context(|| format!("deleting Secret {name}")),
            },
            Some(_) => {
                out.push_str(&format!("Secret/{name} was not created by install: left in place\n"));
                kept.push(name);
            }
            None => {}
        }
    }
    Ok((out, kept))
}

/// The comment `install --yaml` starts with: the Secrets hold private keys and are not printed.
pub fn yaml_note(namespace: &str) -> String {
    let [planner, watcher, executor] = secret_names();
    format!(
        "# Not printed: the TLS Secrets {planner}, {watcher} and\n\
         # {executor} (kubernetes.io/tls: tls.crt, tls.key, ca.crt), which hold private keys.\n\
         # The pods start once they exist in namespace {namespace}: issue them with cert-manager\n\
         # (deploy/cert-manager), or generate a CA and the three certificates with\n\
         #   kubectl schemahero install --tls-secrets-only -n {namespace}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    use schemahero_tls::Identity;

    fn identity(secret: &Secret) -> Identity {
        let pem = &secret.data.as_ref().unwrap()["tls.crt"].0;
        let der = CertificateDer::from_pem_slice(pem).unwrap();
        Identity::from_der(&der).unwrap()
    }

    #[test]
    fn generated_secrets_carry_the_roles_and_one_ca() {
        let secrets = generate("ops").unwrap();
        let names: Vec<_> = secrets.iter().map(|s| s.metadata.name.clone().unwrap()).collect();
        assert_eq!(names, secret_names());
        assert!(secrets.iter().all(|s| s.type_.as_deref() == Some("kubernetes.io/tls") && generated(s)));
        assert_eq!(identity(&secrets[0]).user, "schemahero-planner");
        assert_eq!(identity(&secrets[1]).groups, vec![roles::WATCHER]);
        assert_eq!(identity(&secrets[2]).groups, vec![roles::EXECUTOR]);
        let ca = |s: &Secret| s.data.as_ref().unwrap()["ca.crt"].clone();
        assert!(ca(&secrets[0]) == ca(&secrets[1]) && ca(&secrets[1]) == ca(&secrets[2]));
        assert!(planner_names("ops").contains(&"schemahero-planner.ops.svc".to_string()));
    }

    #[test]
    fn decisions() {
        let none = || secret_names().map(|n| (n.to_string(), None)).to_vec();
        assert_eq!(decide(&none()), Decision::Generate);
        let mut generated_all: Vec<_> = secret_names().iter().zip(generate("x").unwrap()).map(|(n, s)| (n.to_string(), Some(s))).collect();
        assert_eq!(decide(&generated_all), Decision::KeepAll { foreign: vec![] });
        generated_all[1].1.as_mut().unwrap().metadata.labels = None;
        assert_eq!(decide(&generated_all), Decision::KeepAll { foreign: vec!["schemahero-watcher-tls".into()] });
        let mut partial = none();
        partial[0].1 = Some(Secret::default());
        assert!(matches!(decide(&partial), Decision::Partial { ref missing, .. } if missing.len() == 2));
    }
}
