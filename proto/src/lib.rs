//! The `schemahero.v1` API: `ResourceService` (watchers), `MigrationService` (people and their
//! tools) and `ExecutorService` (executors), all served by the planner.

/// `google.protobuf.Timestamp` and the other well-known types the API uses.
pub use prost_types;

pub mod v1 {
    tonic::include_proto!("schemahero.v1");

    /// The encoded descriptor set of every `schemahero.v1` file, for gRPC server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/schemahero_descriptor.bin"));

    /// The fully qualified names of the three services, as health checks and reflection
    /// know them.
    pub const SERVICE_NAMES: [&str; 3] =
        [resource_service_server::SERVICE_NAME, migration_service_server::SERVICE_NAME, executor_service_server::SERVICE_NAME];
}

/// The plan's statement and hazard types on the wire and back.
mod convert {
    use crate::v1 as pb;
    use schemahero_plan::{Hazard, HazardKind, PlannedStatement};

    impl From<HazardKind> for pb::HazardKind {
        fn from(kind: HazardKind) -> Self {
            match kind {
                HazardKind::DeletesData => pb::HazardKind::DeletesData,
                HazardKind::TableRewrite => pb::HazardKind::TableRewrite,
                HazardKind::LongLock => pb::HazardKind::LongLock,
                HazardKind::IndexBuild => pb::HazardKind::IndexBuild,
                HazardKind::UpdatesRows => pb::HazardKind::UpdatesRows,
                HazardKind::MayFail => pb::HazardKind::MayFail,
            }
        }
    }

    impl pb::HazardKind {
        /// The plan's kind; None for UNSPECIFIED (a newer or broken sender).
        pub fn to_plan(self) -> Option<HazardKind> {
            Some(match self {
                pb::HazardKind::Unspecified => return None,
                pb::HazardKind::DeletesData => HazardKind::DeletesData,
                pb::HazardKind::TableRewrite => HazardKind::TableRewrite,
                pb::HazardKind::LongLock => HazardKind::LongLock,
                pb::HazardKind::IndexBuild => HazardKind::IndexBuild,
                pb::HazardKind::UpdatesRows => HazardKind::UpdatesRows,
                pb::HazardKind::MayFail => HazardKind::MayFail,
            })
        }
    }

    impl From<&PlannedStatement> for pb::Statement {
        fn from(s: &PlannedStatement) -> Self {
            pb::Statement {
                table: s.table.clone(),
                sql: s.sql.clone(),
                hazards: s
                    .hazards
                    .iter()
                    .map(|h: &Hazard| pb::Hazard { kind: pb::HazardKind::from(h.kind) as i32, message: h.message.clone() })
                    .collect(),
                kind: s.kind(),
                outside_transaction: s.outside_transaction,
                lock_timeout_ms: s.lock_timeout_ms.unwrap_or(0),
                statement_timeout_ms: s.statement_timeout_ms.unwrap_or(0),
            }
        }
    }

    impl From<&pb::Statement> for PlannedStatement {
        /// Hazards of a kind this build does not know are left out (they are for reviewers,
        /// who saw them already); a statement without a kind (an older planner) gets it from
        /// its SQL; a timeout of 0 is no hint (proto3's default, what an older planner sends).
        fn from(s: &pb::Statement) -> Self {
            PlannedStatement {
                table: s.table.clone(),
                sql: s.sql.clone(),
                hazards: s
                    .hazards
                    .iter()
                    .filter_map(|h| {
                        let kind = pb::HazardKind::try_from(h.kind).ok()?.to_plan()?;
                        Some(Hazard { kind, message: h.message.clone() })
                    })
                    .collect(),
                kind: if s.kind.is_empty() { schemahero_plan::statement_kind(&s.sql) } else { s.kind.clone() },
                outside_transaction: s.outside_transaction,
                lock_timeout_ms: (s.lock_timeout_ms > 0).then_some(s.lock_timeout_ms),
                statement_timeout_ms: (s.statement_timeout_ms > 0).then_some(s.statement_timeout_ms),
            }
        }
    }

    impl pb::Hazard {
        /// The kind as the plan names it (`DELETES_DATA`, …), `UNSPECIFIED` when unknown.
        pub fn kind_name(&self) -> String {
            pb::HazardKind::try_from(self.kind)
                .ok()
                .and_then(pb::HazardKind::to_plan)
                .map(|k| k.to_string())
                .unwrap_or_else(|| "UNSPECIFIED".to_string())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_hazard_kind_round_trips_through_the_wire() {
            for kind in HazardKind::ALL {
                let wire = pb::HazardKind::from(kind);
                assert_eq!(wire.to_plan(), Some(kind));
                let hazard = pb::Hazard { kind: wire as i32, message: String::new() };
                assert_eq!(hazard.kind_name(), kind.to_string());
            }
            assert_eq!(pb::Hazard { kind: 99, message: String::new() }.kind_name(), "UNSPECIFIED");
        }

        #[test]
        fn statements_keep_table_kind_and_hazards_across_the_wire() {
            let planned = PlannedStatement::new("public.users", "ALTER TABLE \"users\" DROP COLUMN \"age\"")
                .with_hazard(HazardKind::DeletesData, "drops age");
            let wire = pb::Statement::from(&planned);
            assert_eq!(wire.kind, "ALTER TABLE");
            assert_eq!(PlannedStatement::from(&wire), planned);
            // From an older planner: no kind on the wire.
            let old = pb::Statement { kind: String::new(), ..wire };
            assert_eq!(PlannedStatement::from(&old).kind, "ALTER TABLE");
        }

        #[test]
        fn hints_round_trip_through_the_wire() {
            use std::time::Duration;
            let planned = PlannedStatement::new("public.t", "CREATE INDEX CONCURRENTLY \"i\" ON \"t\" (\"a\")")
                .outside_transaction()
                .with_lock_timeout(Duration::from_millis(200))
                .with_statement_timeout(Duration::from_secs(90));
            let wire = pb::Statement::from(&planned);
            assert_eq!((wire.outside_transaction, wire.lock_timeout_ms, wire.statement_timeout_ms), (true, 200, 90_000));
            assert_eq!(PlannedStatement::from(&wire), planned);
            // Through the bytes too: the new field numbers decode into the same statement.
            let decoded = <pb::Statement as prost::Message>::decode(prost::Message::encode_to_vec(&wire).as_slice()).unwrap();
            assert_eq!(PlannedStatement::from(&decoded), planned);
        }

        /// A statement without hints is the same on the wire as before hints existed (the new
        /// fields at their defaults are not even encoded), and one from an older planner reads
        /// back without hints.
        #[test]
        fn no_hints_is_the_proto3_default() {
            let planned = PlannedStatement::new("public.users", "ALTER TABLE \"users\" ADD COLUMN \"a\" integer");
            let wire = pb::Statement::from(&planned);
            let before = pb::Statement { table: wire.table.clone(), sql: wire.sql.clone(), kind: wire.kind.clone(), ..Default::default() };
            assert_eq!(prost::Message::encode_to_vec(&wire), prost::Message::encode_to_vec(&before));
            assert!(!PlannedStatement::from(&before).has_hints());
        }
    }
}
