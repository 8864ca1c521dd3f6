//! Functions, planned against `pg_proc`: a missing one is created; a different body or
//! language is `CREATE OR REPLACE`d; a different return type, result set or parameter names
//! (which `CREATE OR REPLACE` cannot change) drop and create it. The function is found by its
//! input parameter types, as Postgres identifies it, resolved by the server (`to_regprocedure`).

use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::function::PostgresFunction;
use schemahero_schema::seed::quote_ident;
use sqlx::PgPool;

/// One function to plan: its name, the schema it resolves to, and its spec.
pub struct DesiredFunction<'a> {
    pub name: &'a str,
    pub schema: String,
    pub spec: &'a PostgresFunction,
}

impl DesiredFunction<'_> {
    fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(self.name))
    }

    fn is_output(mode: Option<&str>) -> bool {
        mode.is_some_and(|m| m.trim().eq_ignore_ascii_case("out"))
    }

    /// `"schema"."name"(type, …)` of the input parameters: how Postgres identifies it.
    fn signature(&self) -> String {
        format!("{}({})", self.qualified(), input_types(self.spec))
    }

    fn parameter_list(&self) -> String {
        let params: Vec<String> = self
            .spec
            .params
            .iter()
            .map(|p| {
                let parts =
                    [p.mode.as_deref().map(|m| m.trim().to_ascii_uppercase()), p.name.clone(), Some(p.param_type.trim().to_string())];
                parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
            })
            .collect();
        params.join(", ")
    }

    /// The RETURNS clause; without `return`, a function with OUT parameters returns those, and
    /// any other returns void.
    fn returns(&self) -> Option<String> {
        let setof = if self.spec.return_set { "SETOF " } else { "" };
        match &self.spec.returns {
            Some(t) => Some(format!("{setof}{}", t.trim())),
            None if self.spec.params.iter().any(|p| Self::is_output(p.mode.as_deref())) => None,
            None => Some(format!("{setof}void")),
        }
    }

    fn create_sql(&self, or_replace: bool) -> String {
        let body = self.spec.r#as.trim();
        // A dollar-quote tag the body does not contain, so the body cannot end the string.
        let mut tag = "$function$".to_string();
        let mut n = 0;
        while body.contains(&tag) {
            n += 1;
            tag = format!("$function{n}$");
        }
        let returns = self.returns().map(|r| format!(" RETURNS {r}")).unwrap_or_default();
        format!(
            "CREATE {}FUNCTION {}({}){returns} LANGUAGE {} AS {tag}\n{body}\n{tag}",
            if or_replace { "OR REPLACE " } else { "" },
            self.qualified(),
            self.parameter_list(),
            self.spec.lang.trim()
        )
    }
}

/// The input parameter types, comma-separated (OUT parameters are not part of the signature).
fn input_types(spec: &PostgresFunction) -> String {
    let inputs: Vec<&str> =
        spec.params.iter().filter(|p| !DesiredFunction::is_output(p.mode.as_deref())).map(|p| p.param_type.trim()).collect();
    inputs.join(", ")
}

/// Drops the function when its resource is deleted with `removeOnDeletion`. Planned without a
/// connection (the database may be unreachable when the resource goes), so `IF EXISTS`, and
/// unqualified unless the spec names a schema: the executor's connection resolves it as the
/// planner's would have.
pub fn removal(name: &str, spec: &PostgresFunction) -> PlannedStatement {
    let target = match &spec.schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(name)),
        None => quote_ident(name),
    };
    let display = match &spec.schema {
        Some(schema) => format!("{schema}.{name}"),
        None => name.to_string(),
    };
    PlannedStatement {
        kind: "DROP FUNCTION".into(),
        ..PlannedStatement::new(display.as_str(), format!("DROP FUNCTION IF EXISTS {target}({})", input_types(spec)))
    }
    .with_hazard(HazardKind::MayFail, "the Function was deleted with removeOnDeletion; fails if a trigger or view depends on it")
}

/// The function's live definition as one text (result, language, parameter names, body), or
/// `absent`: what a plan was made against, compared again before it is applied.
pub async fn state(pool: &PgPool, function: &DesiredFunction<'_>) -> Result<String, sqlx::Error> {
    Ok(match live(pool, &function.signature()).await? {
        None => "absent".into(),
        Some(l) => format!("{}\n{}\n{}\n{}", l.result, l.lang, l.arg_names.join(","), l.body),
    })
}

/// The function as it is.
struct LiveFunction {
    result: String,
    body: String,
    lang: String,
    arg_names: Vec<String>,
}

async fn live(pool: &PgPool, signature: &str) -> Result<Option<LiveFunction>, sqlx::Error> {
    let row: Option<(String, String, String, Vec<String>)> = sqlx::query_as(
        "SELECT pg_get_function_result(p.oid), p.prosrc, l.lanname::text, coalesce(p.proargnames, '{}')::text[]
         FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = to_regprocedure($1)",
    )
    .bind(signature)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(result, body, lang, arg_names)| LiveFunction { result, body, lang, arg_names }))
}

/// The RETURNS type as Postgres prints it (`int` → `integer`), resolved by the server.
async fn canonical_result(pool: &PgPool, returns: &str) -> Result<String, sqlx::Error> {
    let (setof, t) = match returns.strip_prefix("SETOF ") {
        Some(t) => ("SETOF ", t),
        None => ("", returns),
    };
    let canonical: Option<String> = sqlx::query_scalar("SELECT format_type(to_regtype($1), NULL)").bind(t).fetch_one(pool).await?;
    Ok(format!("{setof}{}", canonical.unwrap_or_else(|| t.to_string())))
}

pub async fn plan(pool: &PgPool, functions: &[DesiredFunction<'_>]) -> Result<Vec<PlannedStatement>, sqlx::Error> {
    let mut out = Vec::new();
    for f in functions {
        let display = format!("{}.{}", f.schema, f.name);
        let statement =
            |sql: String, kind: &str| PlannedStatement { kind: kind.to_string(), ..PlannedStatement::new(display.as_str(), sql) };
        let Some(l) = live(pool, &f.signature()).await? else {
            out.push(statement(f.create_sql(false), "CREATE FUNCTION"));
            continue;
        };
        let result_changed = match f.returns() {
            Some(r) => canonical_result(pool, &r).await? != l.result,
            None => false,
        };
        let wanted_names: Vec<String> = f.spec.params.iter().map(|p| p.name.clone().unwrap_or_default()).collect();
        let names_changed = !(l.arg_names.is_empty() && wanted_names.iter().all(String::is_empty)) && l.arg_names != wanted_names;
        if result_changed || names_changed {
            let why =
                if result_changed { format!("its result changes from {}", l.result) } else { "its parameter names change".to_string() };
            out.push(statement(format!("DROP FUNCTION {}", f.signature()), "DROP FUNCTION").with_hazard(
                HazardKind::MayFail,
                format!("{why}, which CREATE OR REPLACE cannot do: dropped and created again; fails if a trigger or view depends on it"),
            ));
            out.push(statement(f.create_sql(false), "CREATE FUNCTION"));
        } else if l.body.trim() != f.spec.r#as.trim() || !l.lang.eq_ignore_ascii_case(f.spec.lang.trim()) {
            out.push(statement(f.create_sql(true), "CREATE FUNCTION"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemahero_schema::spec::TriggerParam;

    #[test]
    fn the_body_cannot_close_its_dollar_quote() {
        let spec = PostgresFunction {
            lang: "sql".into(),
            params: vec![TriggerParam { mode: Some("out".into()), name: Some("n".into()), param_type: "integer".into() }],
            r#as: "SELECT 1 $function$; DROP TABLE users; --".into(),
            ..PostgresFunction::default()
        };
        let f = DesiredFunction { name: "f", schema: "public".into(), spec: &spec };
        let sql = f.create_sql(true);
        assert!(sql.starts_with("CREATE OR REPLACE FUNCTION \"public\".\"f\"(OUT n integer) LANGUAGE sql AS $function1$\n"), "{sql}");
        assert!(sql.ends_with("\n$function1$"), "{sql}");
        assert_eq!(f.signature(), "\"public\".\"f\"()", "OUT parameters are not part of the signature");
    }

    #[test]
    fn removal_drops_by_input_types_if_it_exists() {
        let spec = PostgresFunction {
            params: vec![
                TriggerParam { mode: None, name: Some("a".into()), param_type: "integer".into() },
                TriggerParam { mode: Some("OUT".into()), name: Some("n".into()), param_type: "bigint".into() },
                TriggerParam { mode: None, name: Some("b".into()), param_type: "text".into() },
            ],
            ..PostgresFunction::default()
        };
        assert_eq!(removal("f", &spec).sql, "DROP FUNCTION IF EXISTS \"f\"(integer, text)");
        let in_schema = PostgresFunction { schema: Some("app".into()), ..spec };
        let drop = removal("f", &in_schema);
        assert_eq!((drop.sql.as_str(), drop.kind().as_str()), ("DROP FUNCTION IF EXISTS \"app\".\"f\"(integer, text)", "DROP FUNCTION"));
        assert!(!drop.hazards.is_empty());
    }
}
