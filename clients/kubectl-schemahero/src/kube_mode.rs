//! The plugin against Kubernetes (no `--planner`): Migrations, Databases, Tables, Functions,
//! DatabaseExtensions and Views are read
//! from the cluster; approve / reject / recalculate are patches to the Migration that the
//! planner's controller acts on.

use crate::migrations::{MigrationView, Output, describe_view, phase_name, print_views, view};
use anyhow::{Context, Result, bail};
use kube::api::{ListParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config, ResourceExt};
use schemahero_k8s::{Database, DatabaseExtension, Function, Migration, Table, View};
use schemahero_proto::v1 as pb;

#[derive(clap::Args, Clone, Default)]
pub struct KubeArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).
    #[arg(long, global = true)]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// List across all namespaces (the default when -n is not given).
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
}

pub async fn client(args: &KubeArgs) -> Result<Client> {
    Client::try_from(config(args).await?).context("cannot create a Kubernetes client")
}

async fn config(args: &KubeArgs) -> Result<Config> {
    let options = KubeConfigOptions { context: args.context.clone(), ..KubeConfigOptions::default() };
    let config = match &args.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path).with_context(|| format!("reading kubeconfig {}", path.display()))?;
            Config::from_custom_kubeconfig(kubeconfig, &options).await.context("no usable cluster in the kubeconfig")?
        }
        None if args.context.is_some() => Config::from_kubeconfig(&options).await.context("no usable cluster in the kubeconfig")?,
        None => Config::infer().await.context("no cluster: set KUBECONFIG, pass --kubeconfig, or use --planner")?,
    };
    Ok(config)
}

/// How the kubeconfig authenticates, as far as telling who the user is goes.
#[derive(Clone, Default)]
struct Credentials {
    /// The CN of its client certificate: how Kubernetes itself names such a user.
    certificate_user: Option<String>,
    /// Its bearer token, for a TokenReview.
    token: Option<String>,
}

fn credentials(auth: &kube::config::AuthInfo) -> Credentials {
    use secrecy::ExposeSecret;
    Credentials { certificate_user: certificate_user(auth), token: auth.token.as_ref().map(|t| t.expose_secret().to_string()) }
}

fn certificate_user(auth: &kube::config::AuthInfo) -> Option<String> {
    use base64::Engine;
    let pem = match (&auth.client_certificate_data, &auth.client_certificate) {
        (Some(data), _) => base64::engine::general_purpose::STANDARD.decode(data.trim()).ok()?,
        (None, Some(path)) => std::fs::read(path).ok()?,
        _ => return None,
    };
    schemahero_tls::Identity::from_pem(&pem).ok().map(|i| i.user).filter(|u| !u.is_empty())
}

fn phase_of(name: &str) -> pb::Phase {
    crate::migrations::parse_phase(name).unwrap_or(pb::Phase::Unspecified)
}

/// A Migration resource as the API message the printers share.
pub fn to_proto(m: &Migration) -> pb::Migration {
    let status = m.status.clone().unwrap_or_default();
    pb::Migration {
        id: m.name_any(),
        namespace: m.namespace().unwrap_or_default(),
        database: m.spec.database.clone(),
        table_resource: m.spec.table_resource.clone(),
        table: m.spec.table_name.clone(),
        phase: phase_of(&status.phase) as i32,
        statements: m.spec.statements.iter().map(pb::Statement::from).collect(),
        fingerprint: m.spec.schema_fingerprint.clone(),
        spec_hash: m.spec.spec_hash.clone(),
        planned_at: status.planned_at,
        approved_at: status.approved_at,
        executed_at: status.executed_at,
        trace_id: status.trace_id,
        traceparent: status.traceparent,
        error: status.error,
        waiting_reason: status.waiting_reason,
        attempts: status.attempts.clamp(0, u32::MAX as i64) as u32,
        executor: status.executor,
        reason: m.spec.reason.clone(),
        approved_by: status.approved_by,
        rejected_by: status.rejected_by,
        recalculated_by: status.recalculated_by,
        resource_kind: m.spec.resource_kind.clone(),
        planned_time: None,
        approved_time: None,
        executed_time: None,
        approval_comment: status.approval_comment,
        rejection_comment: status.rejection_comment,
        conditions: status
            .conditions
            .iter()
            .map(|c| pb::MigrationCondition {
                r#type: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
            .collect(),
    }
}

/// A Migration resource as the printers show it, with its planning time (unix ms) to sort by:
/// ours through the API message, SchemaHero's (Go) from its own fields.
pub fn view_of(m: &Migration) -> (i64, MigrationView) {
    match m.schemahero() {
        Some(legacy) => (legacy.planned_at, crate::legacy::view(m, &legacy)),
        None => {
            let message = to_proto(m);
            (message.planned_at, view(&message))
        }
    }
}

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

pub struct ListFilter {
    pub namespace: Option<String>,
    pub database: Option<String>,
    pub table: Option<String>,
    pub phase: Option<pb::Phase>,
}

pub async fn get(kube: &KubeArgs, resource: &str, filter: &ListFilter, output: Output) -> Result<String> {
    let client = client(kube).await?;
    let namespace = if kube.all_namespaces { None } else { filter.namespace.as_deref() };
    let lp = ListParams::default();
    match resource {
        "migration" | "migrations" | "m" => {
            // Filtered here rather than by label: SchemaHero's (Go) Migrations carry no labels.
            let items = api::<Migration>(&client, namespace).list(&lp).await.context("listing Migrations")?.items;
            let phase = filter.phase.map(|p| phase_name(p as i32));
            let mut list: Vec<(i64, MigrationView)> = items
                .iter()
                .map(view_of)
                .filter(|(_, v)| filter.database.as_ref().is_none_or(|db| v.database == *db))
                .filter(|(_, v)| filter.table.as_ref().is_none_or(|t| v.table_resource == *t))
                .filter(|(_, v)| phase.as_ref().is_none_or(|p| v.phase == *p))
                .collect();
            list.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
            let views: Vec<MigrationView> = list.into_iter().map(|(_, v)| v).collect();
            print_views(&views, output)
        }
        "database" | "databases" | "db" => {
            let items = api::<Database>(&client, namespace).list(&lp).await.context("listing Databases")?.items;
            let rows: Vec<Vec<String>> = items
                .iter()
                .filter(|d| filter.database.as_ref().is_none_or(|db| d.name_any() == *db))
                .map(|d| {
                    let driver = d.spec.connection.as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_default();
                    vec![d.namespace().unwrap_or_default(), d.name_any(), driver, d.spec.immediate_deploy.to_string()]
                })
                .collect();
            render_rows(&["NAMESPACE", "NAME", "DRIVER", "IMMEDIATE DEPLOY"], rows, &items, output)
        }
        "table" | "tables" | "t" => {
            let items = api::<Table>(&client, namespace).list(&lp).await.context("listing Tables")?.items;
            let rows: Vec<Vec<String>> = items
                .iter()
                .filter(|t| filter.database.as_ref().is_none_or(|db| t.spec.database == *db))
                .map(|t| vec![t.namespace().unwrap_or_default(), t.name_any(), t.spec.database.clone(), t.spec.name.clone()])
                .collect();
            render_rows(&["NAMESPACE", "NAME", "DATABASE", "TABLE"], rows, &items, output)
        }
        "function" | "functions" | "fn" | "func" => {
            let items = api::<Function>(&client, namespace).list(&lp).await.context("listing Functions")?.items;
            let rows: Vec<Vec<String>> = items
                .iter()
                .filter(|f| filter.database.as_ref().is_none_or(|db| f.spec.database == *db))
                .map(|f| {
                    let phase = f.status.as_ref().map(|s| s.phase.clone()).unwrap_or_default();
                    vec![f.namespace().unwrap_or_default(), f.name_any(), f.spec.database.clone(), f.spec.name.clone(), phase]
                })
                .collect();
            render_rows(&["NAMESPACE", "NAME", "DATABASE", "FUNCTION", "PHASE"], rows, &items, output)
        }
        "extension" | "extensions" | "ext" | "databaseextension" | "databaseextensions" => {
            let items = api::<DatabaseExtension>(&client, namespace).list(&lp).await.context("listing DatabaseExtensions")?.items;
            let rows: Vec<Vec<String>> = items
                .iter()
                .filter(|e| filter.database.as_ref().is_none_or(|db| e.spec.database == *db))
                .map(|e| {
                    let postgres = |field: &str| {
                        e.spec.postgres.as_ref().and_then(|p| p.get(field)).and_then(|v| v.as_str()).unwrap_or_default().to_string()
                    };
                    let phase = e.status.as_ref().map(|s| s.phase.clone()).unwrap_or_default();
                    vec![
                        e.namespace().unwrap_or_default(),
                        e.name_any(),
                        e.spec.database.clone(),
                        postgres("name"),
                        postgres("version"),
                        phase,
                    ]
                })
                .collect();
            render_rows(&["NAMESPACE", "NAME", "DATABASE", "EXTENSION", "VERSION", "PHASE"], rows, &items, output)
        }
        "view" | "views" => {
            let items = api::<View>(&client, namespace).list(&lp).await.context("listing Views")?.items;
            let rows: Vec<Vec<String>> = items
                .iter()
                .filter(|v| filter.database.as_ref().is_none_or(|db| v.spec.database == *db))
                .map(|v| {
                    let phase = v.status.as_ref().map(|s| s.phase.clone()).unwrap_or_default();
                    vec![v.namespace().unwrap_or_default(), v.name_any(), v.spec.database.clone(), v.spec.name.clone(), phase]
                })
                .collect();
            render_rows(&["NAMESPACE", "NAME", "DATABASE", "VIEW", "PHASE"], rows, &items, output)
        }
        other => bail!("unknown resource {other:?} (expected migrations, databases, tables, functions, extensions or views)"),
    }
}

fn render_rows<T: serde::Serialize>(headers: &[&str], rows: Vec<Vec<String>>, items: &[T], output: Output) -> Result<String> {
    Ok(match output {
        Output::Json => serde_json::to_string_pretty(items)? + "\n",
        Output::Yaml => serde_saphyr::to_string(&items).map_err(|e| anyhow::anyhow!("{e}"))?,
        Output::Table => {
            let mut all = vec![headers.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
            all.extend(rows);
            let widths: Vec<usize> = (0..headers.len()).map(|i| all.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
            all.iter()
                .map(|r| {
                    let cells: Vec<String> = r.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = widths[i])).collect();
                    cells.join("   ").trim_end().to_string() + "\n"
                })
                .collect()
        }
    })
}

async fn find(client: &Client, namespace: Option<&str>, name: &str) -> Result<Migration> {
    let found = match namespace {
        Some(ns) => Api::<Migration>::namespaced(client.clone(), ns).get_opt(name).await.context("reading the Migration")?,
        None => Api::<Migration>::all(client.clone())
            .list(&ListParams::default().fields(&format!("metadata.name={name}")))
            .await
            .context("reading the Migration")?
            .items
            .into_iter()
            .next(),
    };
    found.ok_or_else(|| anyhow::anyhow!("migration {name} not found"))
}

/// The Kubernetes user this CLI is authenticated as, recorded on the Migration as who approved,
/// rejected or recalculated it. Asked of the API server where it can answer: a
/// SelfSubjectReview (Kubernetes 1.28+); else the CN of the kubeconfig's client certificate;
/// else a TokenReview of its own token (needs `create tokenreviews`); else "unknown".
async fn whoami(client: &Client, credentials: Credentials) -> String {
    use k8s_openapi::api::authentication::v1::{SelfSubjectReview, TokenReview, TokenReviewSpec};
    let post = kube::api::PostParams::default();
    match Api::<SelfSubjectReview>::all(client.clone()).create(&post, &SelfSubjectReview::default()).await {
        Ok(r) => {
            if let Some(user) = r.status.and_then(|s| s.user_info).and_then(|u| u.username) {
                return user;
            }
        }
        Err(e) => tracing::debug!(error = %e, "SelfSubjectReview unavailable"),
    }
    if let Some(user) = credentials.certificate_user {
        return user;
    }
    if let Some(token) = credentials.token {
        let review = TokenReview { spec: TokenReviewSpec { token: Some(token), ..TokenReviewSpec::default() }, ..TokenReview::default() };
        match Api::<TokenReview>::all(client.clone()).create(&post, &review).await {
            Ok(r) => {
                let status = r.status.unwrap_or_default();
                if status.authenticated == Some(true)
                    && let Some(user) = status.user.and_then(|u| u.username)
                {
                    return user;
                }
            }
            Err(e) => tracing::debug!(error = %e, "TokenReview refused"),
        }
    }
    "unknown Kubernetes user".into()
}

pub enum Action {
    Describe,
    Approve,
    Reject,
    Recalculate,
}

/// `comment`: kept on the Migration when approving or rejecting (`spec.comment`, which the
/// planner copies to the status).
pub async fn act(kube: &KubeArgs, namespace: Option<&str>, name: &str, action: Action, comment: &str, output: Output) -> Result<String> {
    let config = config(kube).await?;
    let who = credentials(&config.auth_info);
    let client = Client::try_from(config).context("cannot create a Kubernetes client")?;
    let m = find(&client, namespace, name).await?;
    if let Some(legacy) = m.schemahero() {
        return match action {
            Action::Describe => describe_view(&crate::legacy::view(&m, &legacy), output),
            Action::Approve => Err(crate::legacy::refusal(&m, &legacy, "approved")),
            Action::Reject => Err(crate::legacy::refusal(&m, &legacy, "rejected")),
            Action::Recalculate => Err(crate::legacy::refusal(&m, &legacy, "recalculated")),
        };
    }
    // No comment removes an earlier one (null deletes in a merge patch; an empty string would be
    // refused: the API server reads "" there as null, which the schema does not allow).
    let comment = if comment.is_empty() { serde_json::Value::Null } else { serde_json::Value::from(comment) };
    let phase = m.status.as_ref().map(|s| s.phase.clone()).unwrap_or_default();
    let ns = m.namespace().unwrap_or_default();
    let patch = match action {
        Action::Describe => return describe_view(&view(&to_proto(&m)), output),
        Action::Approve => {
            match phase.as_str() {
                "Planned" => {}
                "Executed" => bail!("migration {name} is already executed"),
                "Rejected" => bail!("migration {name} is rejected and cannot be approved; change the Table to plan again"),
                other => bail!("migration {name} is {other}; only Planned migrations can be approved"),
            }
            // The planner refuses these; say why here rather than patch in vain.
            let conditions = m.status.as_ref().map(|s| s.conditions.as_slice()).unwrap_or_default();
            let holds = |kind: &str, status: &str| conditions.iter().find(|c| c.type_ == kind && c.status == status);
            if let Some(c) = holds("Blocked", "True") {
                bail!("migration {name} cannot be approved: blocked by the Database's hazard policy: {}", c.message);
            }
            if let Some(c) = holds("Validated", "False") {
                bail!("migration {name} cannot be approved: failed validation on a scratch copy of the schema: {}", c.message);
            }
            serde_json::json!({ "spec": { "approved": true, "requestedBy": whoami(&client, who.clone()).await, "comment": comment } })
        }
        Action::Reject => {
            if !matches!(phase.as_str(), "Planned" | "Approved") {
                bail!("migration {name} is {phase}; only Planned or Approved migrations can be rejected");
            }
            serde_json::json!({ "spec": { "rejected": true, "requestedBy": whoami(&client, who.clone()).await, "comment": comment } })
        }
        Action::Recalculate => {
            let token = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
            serde_json::json!({ "spec": { "recalculate": token.to_string(), "requestedBy": whoami(&client, who.clone()).await } })
        }
    };
    Api::<Migration>::namespaced(client, &ns)
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .context("patching the Migration")?;
    Ok(match action {
        Action::Approve => format!("Migration {name} approved\n"),
        Action::Reject => format!("Migration {name} rejected\n"),
        _ => format!("Migration {name}: recalculation requested\n"),
    })
}
