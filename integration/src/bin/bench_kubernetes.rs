//! Benchmark of Kubernetes mode: N Table resources (default 1000 and 10000) on the cluster in
//! `KUBECONFIG` (the kube-test-server), one Postgres database over TLS. Prints, for each N:
//! - planner start → every Table planned (`schemahero_plans_total`);
//! - the API requests the planner and watcher made meanwhile, per verb and resource, from the
//!   API server's own `apiserver_request_total` (so per-table GET storms would show);
//! - change → Migration: 100 merge patches of single Tables' specs, each timed from the
//!   patch's response to the Migration's ADDED watch event (p50, p99);
//! - peak RSS of planner and watcher.
//!
//! Figures only; nothing here asserts a time.

use anyhow::{Context, Result, bail};
use futures_util::{StreamExt, TryStreamExt};
use kube::api::{Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use schemahero_integration::bench::*;
use schemahero_integration::kube_env::{apply_crds, fresh_namespace, kubectl_ok};
use schemahero_k8s::{Database, Migration, Table};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const EDITS: usize = 100;

/// The API server's request counts for our resources, by (verb, resource).
fn api_requests() -> BTreeMap<(String, String), f64> {
    let text = kubectl_ok(&["get", "--raw", "/metrics"], None);
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("apiserver_request_total{")) {
        let label =
            |name: &str| line.split(&format!("{name}=\"")).nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default().to_string();
        let resource = label("resource");
        if !["tables", "migrations", "databases", "secrets", "configmaps"].contains(&resource.as_str()) {
            continue;
        }
        let value: f64 = line.rsplit(' ').next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        let subresource = label("subresource");
        let resource = if subresource.is_empty() { resource } else { format!("{resource}/{subresource}") };
        *out.entry((label("verb"), resource)).or_insert(0.0) += value;
    }
    out
}

fn table_object(i: usize, namespace: &str, extra: &[&str]) -> Result<Table> {
    let mut table: Table = serde_saphyr::from_str(&table_spec(i, "bench", extra)).context("a generated Table")?;
    table.metadata.namespace = Some(namespace.to_string());
    Ok(table)
}

#[tokio::main]
async fn main() -> Result<()> {
    let sizes: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().context("sizes are numbers")).collect::<Result<_>>()?;
    let sizes = if sizes.is_empty() { vec![1000, 10000] } else { sizes };
    apply_crds();
    let client = Client::try_default().await.context("KUBECONFIG")?;
    for n in sizes {
        run(&client, n).await?;
    }
    Ok(())
}

async fn run(client: &Client, n: usize) -> Result<()> {
    let uri = database_of_tables(&format!("shbench_k8s_{n}"), n).await?;
    let namespace = fresh_namespace(&format!("shbench-{n}"));
    let dir = scratch(&format!("kubernetes-{n}"))?;
    let databases: Api<Database> = Api::namespaced(client.clone(), &namespace);
    let database: Database = serde_json::from_value(serde_json::json!({
        "apiVersion": "databases.schemahero.io/v1alpha4", "kind": "Database",
        "metadata": { "name": "bench", "namespace": namespace },
        "spec": { "connection": { "postgres": { "uri": { "value": uri } } } }
    }))?;
    databases.create(&PostParams::default(), &database).await?;
    let tables: Api<Table> = Api::namespaced(client.clone(), &namespace);
    let created = Instant::now();
    futures_util::stream::iter(0..n)
        .map(|i| {
            let tables = tables.clone();
            let namespace = namespace.clone();
            async move {
                let extra: &[&str] = if i.is_multiple_of(20) { &["extra"] } else { &[] };
                tables.create(&PostParams::default(), &table_object(i, &namespace, extra)?).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    eprintln!("created {n} Table resources in {:.1}s", created.elapsed().as_secs_f64());

    let before = api_requests();
    let metrics = format!("127.0.0.1:{}", free_port()?);
    let started = Instant::now();
    let mut planner = spawn(
        "schemahero-planner",
        &[
            "--kubernetes",
            "--namespace",
            &namespace,
            "--watch-namespace",
            &namespace,
            "--listen",
            "127.0.0.1:0",
            "--drift-interval-secs",
            "3600",
            "--metrics-listen",
            &metrics,
        ],
        &dir.join("planner.log"),
    )?;
    let address = planner_url(&mut planner)?;
    let watcher_proc =
        spawn("schemahero-watcher", &["--kubernetes", "--namespace", &namespace, "--planner", &address], &dir.join("watcher.log"))?;
    let deadline = Instant::now() + Duration::from_secs(900);
    let scraped = loop {
        let text = scrape(&metrics).await;
        if metric(&text, "schemahero_plans_total", &["reason=\"spec\""]) >= n as f64 {
            break text;
        }
        if Instant::now() > deadline {
            bail!("not every Table was planned within 900 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let cold = started.elapsed().as_secs_f64();
    let failed = metric(&scraped, "schemahero_plans_total", &["outcome=\"error\""]);
    let migrations = metric(&scraped, "schemahero_plans_total", &["outcome=\"migration\""]);
    let after = api_requests();

    // Edits: a merge patch of one Table's spec each, timed to the Migration's ADDED event.
    let migrations_api: Api<Migration> = Api::namespaced(client.clone(), &namespace);
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let watch = tokio::spawn(async move {
        let mut events = std::pin::pin!(watcher::watcher(migrations_api, watcher::Config::default()));
        while let Some(event) = events.next().await {
            if let Ok(watcher::Event::Apply(m)) = event {
                let _ = seen_tx.send((m.spec.table_resource.clone(), Instant::now()));
            }
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await; // the watch is established
    let mut latencies = Vec::with_capacity(EDITS);
    for k in 0..EDITS {
        let i = (k * 7 + 1) % n;
        let i = if i.is_multiple_of(20) { i + 1 } else { i };
        let table = table_object(i, &namespace, &[&format!("edit{k}")])?;
        let patch = serde_json::json!({ "spec": table.spec });
        tables.patch(&table.name_any(), &PatchParams::default(), &Patch::Merge(&patch)).await?;
        let patched = Instant::now();
        let wanted = format!("t{i}");
        loop {
            match tokio::time::timeout(Duration::from_secs(60), seen_rx.recv()).await {
                Ok(Some((t, at))) if t == wanted => {
                    latencies.push(at.saturating_duration_since(patched).as_secs_f64() * 1000.0);
                    break;
                }
                Ok(Some(_)) => continue,
                _ => bail!("no Migration for the edit of {wanted} within 60 s"),
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    watch.abort();
    latencies.sort_by(|a, b| a.total_cmp(b));

    println!("\nKubernetes mode, {n} Tables (one Postgres database, TLS)");
    println!("  planner start → every Table planned: {cold:.2} s ({migrations} migrations, {failed} failed)");
    println!("  change → Migration over {EDITS} edits: p50 {:.1} ms, p99 {:.1} ms", quantile(&latencies, 0.5), quantile(&latencies, 0.99));
    println!("  peak RSS: planner {:.1} MB, watcher {:.1} MB", peak_rss_mb(&planner.child), peak_rss_mb(&watcher_proc.child));
    println!("  API requests from start to every Table planned (verb resource: count):");
    for ((verb, resource), count) in &after {
        let delta = count - before.get(&(verb.clone(), resource.clone())).copied().unwrap_or(0.0);
        if delta > 0.0 {
            println!("    {verb:>8} {resource:<22} {delta:>8}");
        }
    }
    drop(watcher_proc);
    drop(planner);
    kubectl_ok(&["delete", "namespace", &namespace, "--wait=false"], None);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
