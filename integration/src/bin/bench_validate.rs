//! Benchmark of plan validation on a scratch copy (`Engine::validate_plans`, what the planner
//! does before offering a Table's migration), on Postgres over TLS (the default sslmode here).
//!
//! For each N given (default 100 and 1000): N tables as `bench-plan` makes them (each with a
//! foreign key to the previous one), then, in one process: planning one changed table, and
//! validating that plan (the scratch database created the first time, emptied and reused
//! after), and a batch of 20 changed tables planned together and validated in one scratch
//! session. Prints seconds; nothing here asserts a time.

use anyhow::{Context, Result, bail};
use schemahero_engine::{Driver, Engine, Validation, load_specs};
use schemahero_integration::bench::*;
use std::time::Instant;

const RUNS: usize = 5;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let sizes: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().context("sizes are numbers")).collect::<Result<_>>()?;
    let sizes = if sizes.is_empty() { vec![100, 1000] } else { sizes };
    println!("validate (seconds; median of {RUNS}, first run in brackets: it creates the scratch database)");
    println!("{:>7} {:>14} {:>16} {:>18} {:>20}", "tables", "plan_1_s", "validate_1_s", "plan_batch20_s", "validate_batch20_s");
    for n in sizes {
        let name = format!("shbench_validate_{n}");
        let uri = database_of_tables(&name, n).await?;
        let specs = scratch(&format!("validate-{n}"))?;
        // Tables n/2 … n/2+19 gain a column.
        for i in 0..n {
            let extra: &[&str] = if (n / 2..n / 2 + 20).contains(&i) { &["extra"] } else { &[] };
            std::fs::write(table_file(&specs, i), table_spec(i, "bench", extra))?;
        }
        let all = load_specs(&specs)?.tables;
        let one: Vec<_> = all.iter().filter(|t| t.spec.name == format!("t{}", n / 2)).cloned().collect();
        let batch: Vec<_> = all
            .iter()
            .filter(|t| {
                t.spec.name.strip_prefix('t').and_then(|i| i.parse::<usize>().ok()).is_some_and(|i| (n / 2..n / 2 + 20).contains(&i))
            })
            .cloned()
            .collect();
        let engine = Engine::connect(Driver::Postgres, &uri).await?;
        let (mut plan_one, mut validate_one, mut plan_batch, mut validate_batch) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut first = 0.0;
        for run in 0..RUNS {
            let started = Instant::now();
            let plan = engine.plan(&one, false, &mut Vec::new()).await?;
            plan_one.push(started.elapsed().as_secs_f64());
            let started = Instant::now();
            let result = engine.validate_plans(&one, &[Some(&plan)], &[]).await;
            let secs = started.elapsed().as_secs_f64();
            if run == 0 {
                first = secs;
            } else {
                validate_one.push(secs);
            }
            if result != [Validation::Converged] {
                bail!("one table did not validate: {result:?}");
            }
            let started = Instant::now();
            let plans: Vec<_> = engine.plan_each(&batch, false, &mut Vec::new()).await?.into_iter().collect::<Result<_, _>>()?;
            plan_batch.push(started.elapsed().as_secs_f64());
            let wanted: Vec<_> = plans.iter().map(Some).collect();
            let started = Instant::now();
            let results = engine.validate_plans(&batch, &wanted, &[]).await;
            validate_batch.push(started.elapsed().as_secs_f64());
            if results.iter().any(|r| *r != Validation::Converged) {
                bail!("the batch did not validate: {results:?}");
            }
        }
        println!(
            "{n:>7} {:>14.3} {:>9.3} [{first:.3}] {:>18.3} {:>20.3}",
            spread(&mut plan_one).1,
            spread(&mut validate_one).1,
            spread(&mut plan_batch).1,
            spread(&mut validate_batch).1
        );
        engine.close().await;
        let _ = std::fs::remove_dir_all(&specs);
    }
    Ok(())
}
