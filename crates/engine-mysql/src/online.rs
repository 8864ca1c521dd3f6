//! Which algorithm each `ALTER TABLE` takes, and the clause that holds the server to it.
//!
//! Without a clause the server picks the cheapest algorithm it can, and silently falls back to
//! copying the table (writes blocked) when it cannot do better. With `ALGORITHM=INSTANT` (a
//! metadata change) or `ALGORITHM=INPLACE, LOCK=NONE` (built while writes continue) it refuses
//! the statement instead of falling back: the path a reviewer approved is the path it takes. A
//! wrong clause is refused too, so a clause is only given where the rules below are known to
//! hold; everything else gets none, and its hazard says what the server will do.
//!
//! The MariaDB rules (10.4 and later, InnoDB) were checked statement by statement against
//! MariaDB 10.11 (`integration/tests/mysql_online.rs` runs every kind the renderer makes); the
//! MySQL 8 rules follow the MySQL manual's online DDL table and are kept to its safe subset.

use crate::Flavor;
use crate::diff::ColumnModify;
use crate::model::{IndexDef, TableDef};
use crate::normalize::mbmaxlen;

/// The server the plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    pub flavor: Flavor,
    /// (major, minor, patch) of `VERSION()`.
    pub version: (u32, u32, u32),
    /// MariaDB's `innodb_instant_alter_column_allowed`: `add_drop_reorder` (the default) allows
    /// instant ADD and DROP COLUMN, `add_last` only ADD (at the end, as SchemaHero adds), `never`
    /// neither; those then rebuild in place.
    pub instant_add: bool,
    pub instant_drop: bool,
}

impl Server {
    /// `10.11.19-MariaDB-0+deb12u1` → (10, 11, 19); parts that do not parse are 0.
    pub fn parse(flavor: Flavor, version: &str) -> Server {
        let mut parts = version.split(|c: char| !c.is_ascii_digit()).map(|p| p.parse::<u32>().unwrap_or(0));
        let mut next = || parts.next().unwrap_or(0);
        Server { flavor, version: (next(), next(), next()), instant_add: true, instant_drop: true }
    }

    /// With MariaDB's `innodb_instant_alter_column_allowed` (None where the server has none).
    pub fn with_instant_alter_column_allowed(self, setting: Option<&str>) -> Server {
        match setting.map(str::to_ascii_lowercase).as_deref() {
            Some("never") => Server { instant_add: false, instant_drop: false, ..self },
            Some("add_last") => Server { instant_add: true, instant_drop: false, ..self },
            _ => self,
        }
    }

    /// The servers whose rules are known here: MariaDB 10.4 (instant drop column, instant
    /// varchar extension) and MySQL 8.0 onwards. Older servers get no clauses.
    fn known(&self) -> bool {
        match self.flavor {
            Flavor::MariaDb => self.version >= (10, 4, 0),
            Flavor::Mysql => self.version >= (8, 0, 0),
        }
    }

    fn mariadb(&self) -> bool {
        self.flavor == Flavor::MariaDb
    }
}

/// What the catalog says about an existing table besides its columns and keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableFacts {
    /// `ENGINE` (InnoDB, MyISAM, Aria, …).
    pub engine: String,
    /// `ROW_FORMAT` (Dynamic, Compact, Redundant, Compressed).
    pub row_format: String,
    /// `TABLE_ROWS`: InnoDB's estimate, None when unknown.
    pub rows_estimate: Option<u64>,
    /// MySQL 8.0.29+: `INNODB_TABLES.TOTAL_ROW_VERSIONS` (instant ADD/DROP COLUMN stop at 64).
    pub row_versions: Option<u64>,
}

/// How a statement runs, cheapest first; a statement of several changes takes the costliest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Path {
    /// `ALGORITHM=INSTANT`: only metadata changes.
    Instant,
    /// `ALGORITHM=INPLACE, LOCK=NONE`: built while reads and writes continue.
    Online,
    /// In place, but under a shared lock (FULLTEXT and SPATIAL indexes): no clause, writes block.
    Locked,
    /// The server picks (an engine or server whose rules are not known here, or a change whose
    /// cost depends on its expression): no clause.
    ServerChoice,
    /// `ALGORITHM=COPY` is the only way: no clause (the server copies anyway), writes block.
    Copy,
}

/// One change's path, and whether it rewrites every row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub path: Path,
    pub rebuild: bool,
}

impl Cost {
    const INSTANT: Cost = Cost { path: Path::Instant, rebuild: false };
    const ONLINE: Cost = Cost { path: Path::Online, rebuild: false };
    const ONLINE_REBUILD: Cost = Cost { path: Path::Online, rebuild: true };
    const COPY: Cost = Cost { path: Path::Copy, rebuild: true };

    fn max(self, other: Cost) -> Cost {
        Cost { path: self.path.max(other.path), rebuild: self.rebuild || other.rebuild }
    }

    /// The clause an `ALTER TABLE` ends with (after a comma), or "" for none.
    pub fn alter_clause(&self) -> &'static str {
        match self.path {
            Path::Instant => ", ALGORITHM=INSTANT",
            Path::Online => ", ALGORITHM=INPLACE, LOCK=NONE",
            _ => "",
        }
    }

    /// The clause a `CREATE INDEX` ends with, or "" for none.
    pub fn index_clause(&self) -> &'static str {
        match self.path {
            Path::Instant | Path::Online => " ALGORITHM=INPLACE LOCK=NONE",
            _ => "",
        }
    }

    /// How the statement runs, for hazard messages: a phrase that follows what it does
    /// ("drops column a and its data instantly (…)", "makes a NOT NULL: rebuilds …").
    pub fn describe(&self) -> &'static str {
        match (self.path, self.rebuild) {
            (Path::Instant, _) => "instantly (ALGORITHM=INSTANT: metadata only)",
            (Path::Online, false) => "in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue",
            (Path::Online, true) => "rebuilding the table in place (ALGORITHM=INPLACE, LOCK=NONE); writes continue",
            (Path::Locked, false) => {
                "in place under a shared lock (FULLTEXT and SPATIAL indexes allow no LOCK=NONE); writes block meanwhile"
            }
            (Path::Locked, true) => {
                "rebuilding the table under a shared lock (FULLTEXT indexes allow no LOCK=NONE); writes block meanwhile"
            }
            (Path::ServerChoice, false) => "as the server picks (no ALGORITHM clause); writes may block",
            (Path::ServerChoice, true) => "as the server picks (no ALGORITHM clause), which may copy the table; writes may block",
            (Path::Copy, _) => "copying the table (ALGORITHM=COPY); writes block meanwhile",
        }
    }

    /// Writes to the table wait while the statement runs.
    pub fn blocks_writes(&self) -> bool {
        matches!(self.path, Path::Locked | Path::ServerChoice | Path::Copy)
    }
}

/// The rules for one existing table on one server.
pub struct Rules<'a> {
    server: Server,
    facts: &'a TableFacts,
    live: &'a TableDef,
    /// Instant ADD/DROP COLUMN statements planned so far on this table (MySQL's row versions).
    instant_columns: std::cell::Cell<u64>,
}

impl<'a> Rules<'a> {
    pub fn new(server: Server, facts: &'a TableFacts, live: &'a TableDef) -> Self {
        Rules { server, facts, live, instant_columns: std::cell::Cell::new(0) }
    }

    /// Clauses only for InnoDB on a known server.
    fn applies(&self) -> bool {
        self.server.known() && self.facts.engine.eq_ignore_ascii_case("innodb")
    }

    fn fulltext(&self) -> bool {
        self.live.indexes.iter().any(|ix| ix.method == "fulltext")
    }

    fn compressed(&self) -> bool {
        self.facts.row_format.eq_ignore_ascii_case("compressed")
    }

    fn indexed(&self, column: &str) -> bool {
        self.live.indexes.iter().any(|ix| ix.columns.iter().any(|c| c == column))
    }

    /// Part of an index over several columns: dropping it rebuilds the table, where an index of
    /// the column alone is just dropped.
    fn in_composite_index(&self, column: &str) -> bool {
        self.live.indexes.iter().any(|ix| ix.columns.len() > 1 && ix.columns.iter().any(|c| c == column))
    }

    fn in_primary_key(&self, column: &str) -> bool {
        self.live.primary_key_columns().iter().any(|c| c == column)
    }

    /// A rebuild under LOCK=NONE is refused on a table with a FULLTEXT index.
    fn online_rebuild(&self) -> Cost {
        if self.fulltext() { Cost { path: Path::Locked, rebuild: true } } else { Cost::ONLINE_REBUILD }
    }

    /// MySQL 8.0.29+ counts instant ADD/DROP COLUMNs in row versions and refuses the 65th.
    fn mysql_instant_column(&self) -> Cost {
        let (v, planned) = (self.server.version, self.instant_columns.get());
        let instant = v >= (8, 0, 29) && self.facts.row_versions.is_some_and(|used| used + planned < 64);
        if instant {
            self.instant_columns.set(planned + 1);
            Cost::INSTANT
        } else {
            // Without the count, the server is left to pick instant (or a rebuild at the limit).
            Cost { path: Path::ServerChoice, rebuild: true }
        }
    }

    pub fn add_column(&self, constant_default: bool) -> Cost {
        if !self.applies() || !constant_default {
            // MariaDB copies the table for a non-deterministic default such as uuid(); other
            // engines (MyISAM, Aria) copy it for any new column.
            return Cost { path: Path::ServerChoice, rebuild: true };
        }
        match self.server.flavor {
            Flavor::MariaDb if self.fulltext() => Cost { path: Path::Locked, rebuild: true },
            Flavor::MariaDb if self.compressed() || !self.server.instant_add => Cost::ONLINE_REBUILD,
            Flavor::MariaDb => Cost::INSTANT,
            Flavor::Mysql if self.fulltext() || self.compressed() => Cost { path: Path::ServerChoice, rebuild: true },
            // 8.0.12–8.0.28 add the last column instantly, without row versions.
            Flavor::Mysql if self.server.version < (8, 0, 29) && self.server.version >= (8, 0, 12) => Cost::INSTANT,
            Flavor::Mysql => self.mysql_instant_column(),
        }
    }

    /// `key_dropped`: the plan dropped the primary key before this statement.
    pub fn drop_column(&self, column: &str, key_dropped: bool) -> Cost {
        if !self.applies() {
            return Cost { path: Path::ServerChoice, rebuild: true };
        }
        if self.in_primary_key(column) && !key_dropped {
            return Cost::COPY;
        }
        match self.server.flavor {
            Flavor::MariaDb if self.fulltext() => Cost { path: Path::Locked, rebuild: true },
            Flavor::MariaDb if self.compressed() || self.in_composite_index(column) || !self.server.instant_drop => Cost::ONLINE_REBUILD,
            // The column's own index goes with it.
            Flavor::MariaDb if self.indexed(column) => Cost::ONLINE,
            Flavor::MariaDb => Cost::INSTANT,
            Flavor::Mysql if self.fulltext() => Cost { path: Path::ServerChoice, rebuild: true },
            Flavor::Mysql if self.compressed() || self.indexed(column) || self.server.version < (8, 0, 29) => Cost::ONLINE_REBUILD,
            Flavor::Mysql => match self.mysql_instant_column() {
                c if c.path == Path::Instant => c,
                _ => Cost::ONLINE_REBUILD,
            },
        }
    }

    /// `ALTER COLUMN … SET/DROP DEFAULT`.
    pub fn set_default(&self) -> Cost {
        if self.applies() { Cost::INSTANT } else { Cost { path: Path::ServerChoice, rebuild: false } }
    }

    pub fn modify(&self, m: &ColumnModify) -> Cost {
        if !self.applies() {
            return Cost { path: Path::ServerChoice, rebuild: true };
        }
        let (d, l) = (&m.desired, &m.live);
        let mariadb = self.server.mariadb();
        let mut cost = Cost::INSTANT;
        if m.type_changed {
            cost = cost.max(match type_change(&l.data_type, &d.data_type) {
                TypeChange::VarcharExtend { from, to } => {
                    let bytes = |c: &crate::model::ColumnDef| u64::from(mbmaxlen(c.ext.charset.as_deref().unwrap_or("utf8mb4")));
                    let (from, to) = (from * bytes(l), to * bytes(d));
                    let redundant = self.facts.row_format.eq_ignore_ascii_case("redundant");
                    if mariadb && (redundant || from <= 127 || to <= 255 || from > 255) {
                        // Values up to 127 bytes have a one-byte length either way; a column of
                        // 128-255 bytes needs a second length byte once it may hold more than
                        // 255, and then the rows are copied.
                        Cost::INSTANT
                    } else if mariadb {
                        Cost::COPY
                    } else if (from > 255) == (to > 255) {
                        // MySQL: in place while the length prefix keeps its size.
                        Cost::ONLINE
                    } else {
                        Cost::COPY
                    }
                }
                TypeChange::MembersAppended => Cost::INSTANT,
                TypeChange::Other => Cost::COPY,
            });
        }
        if m.charset_changed {
            let (from, to) = (l.ext.charset.as_deref().unwrap_or_default(), d.ext.charset.as_deref().unwrap_or_default());
            let compatible = from == to || (from == "utf8mb3" && to == "utf8mb4" && is_varchar_or_char(&d.data_type));
            cost = cost.max(match (mariadb, compatible) {
                // An indexed column's index is rebuilt under the new collation.
                (true, true) if self.indexed(&d.name) => Cost::ONLINE,
                (true, true) => Cost::INSTANT,
                _ => Cost::COPY,
            });
        }
        if m.null_changed {
            let redundant = self.facts.row_format.eq_ignore_ascii_case("redundant");
            cost = cost.max(if mariadb && redundant && !d.not_null { Cost::INSTANT } else { self.online_rebuild() });
        }
        if m.comment_changed && !mariadb {
            // A comment is metadata (instant on MariaDB); MySQL's manual is less plain about it.
            cost = cost.max(Cost { path: Path::ServerChoice, rebuild: false });
        }
        if m.on_update_changed && !mariadb {
            // MySQL's manual does not list an ON UPDATE change as instant.
            cost = cost.max(Cost { path: Path::ServerChoice, rebuild: false });
        }
        if d.auto_increment && !l.auto_increment {
            cost = cost.max(Cost::COPY);
        } else if l.auto_increment && !d.auto_increment && !mariadb {
            cost = cost.max(Cost { path: Path::ServerChoice, rebuild: true });
        }
        cost
    }

    /// `CREATE INDEX` on the existing table.
    pub fn add_index(&self, ix: &IndexDef) -> Cost {
        if !self.applies() {
            return Cost { path: Path::ServerChoice, rebuild: false };
        }
        match ix.method.as_str() {
            // The first FULLTEXT index also adds a hidden column: a rebuild.
            "fulltext" => Cost { path: Path::Locked, rebuild: !self.fulltext() },
            "spatial" => Cost { path: Path::Locked, rebuild: false },
            _ => Cost::ONLINE,
        }
    }

    pub fn drop_index(&self) -> Cost {
        if self.applies() { Cost::ONLINE } else { Cost { path: Path::ServerChoice, rebuild: false } }
    }

    pub fn rename_index(&self) -> Cost {
        match (self.applies(), self.server.flavor) {
            (true, Flavor::MariaDb) => Cost::INSTANT,
            (true, Flavor::Mysql) => Cost::ONLINE,
            _ => Cost { path: Path::ServerChoice, rebuild: false },
        }
    }

    pub fn drop_foreign_key(&self) -> Cost {
        self.rename_index()
    }

    /// With `foreign_key_checks` on (as the engine applies), only COPY checks existing rows.
    pub fn add_foreign_key(&self) -> Cost {
        Cost::COPY
    }

    /// A primary key dropped on its own can only be copied; one added is built in place.
    pub fn drop_primary_key(&self) -> Cost {
        Cost::COPY
    }

    /// `columns_not_null`: every key column is NOT NULL by the time the key is added (MySQL
    /// refuses INPLACE when it would have to make one NOT NULL itself).
    pub fn add_primary_key(&self, columns_not_null: bool) -> Cost {
        if !self.applies() || (!self.server.mariadb() && !columns_not_null) {
            return Cost { path: Path::ServerChoice, rebuild: true };
        }
        self.online_rebuild()
    }

    /// `ALTER TABLE … DEFAULT CHARACTER SET`: metadata for future columns on MariaDB; MySQL's
    /// manual allows a rebuild.
    pub fn table_charset(&self) -> Cost {
        match (self.applies(), self.server.flavor) {
            (true, Flavor::MariaDb) => Cost::INSTANT,
            _ => Cost { path: Path::ServerChoice, rebuild: false },
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum TypeChange {
    VarcharExtend {
        from: u64,
        to: u64,
    },
    /// Values appended to an ENUM or SET that keeps its storage size.
    MembersAppended,
    Other,
}

fn type_change(from: &str, to: &str) -> TypeChange {
    let varchar = |t: &str| t.strip_prefix("varchar(").and_then(|r| r.strip_suffix(')')).and_then(|n| n.parse::<u64>().ok());
    if let (Some(a), Some(b)) = (varchar(from), varchar(to)) {
        return if b >= a { TypeChange::VarcharExtend { from: a, to: b } } else { TypeChange::Other };
    }
    for (kind, storage) in [("enum(", enum_bytes as fn(usize) -> usize), ("set(", set_bytes)] {
        if let (Some(a), Some(b)) = (from.strip_prefix(kind), to.strip_prefix(kind)) {
            let a = a.strip_suffix(')').unwrap_or(a);
            let appended = b.strip_prefix(a).is_some_and(|rest| rest.starts_with(','));
            let same_storage = storage(members(from)) == storage(members(to));
            return if appended && same_storage { TypeChange::MembersAppended } else { TypeChange::Other };
        }
    }
    TypeChange::Other
}

fn is_varchar_or_char(t: &str) -> bool {
    t.starts_with("varchar(") || t.starts_with("char(")
}

fn enum_bytes(members: usize) -> usize {
    if members <= 255 { 1 } else { 2 }
}

fn set_bytes(members: usize) -> usize {
    match members.div_ceil(8) {
        n @ 0..=4 => n,
        _ => 8,
    }
}

/// The members of `enum('a','b''c')`: quoted strings at the top level.
fn members(t: &str) -> usize {
    let mut count = 0;
    let mut quoted = false;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if quoted && chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                quoted = !quoted;
                if quoted {
                    count += 1;
                }
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_both_flavors() {
        assert_eq!(Server::parse(Flavor::MariaDb, "10.11.19-MariaDB-0+deb12u1").version, (10, 11, 19));
        assert_eq!(Server::parse(Flavor::Mysql, "8.0.36").version, (8, 0, 36));
        assert_eq!(Server::parse(Flavor::Mysql, "garbage").version, (0, 0, 0));
        assert!(!Server::parse(Flavor::MariaDb, "10.3.39-MariaDB").known());
        assert!(Server::parse(Flavor::Mysql, "8.4.0").known());
    }

    #[test]
    fn type_changes() {
        assert_eq!(type_change("varchar(10)", "varchar(300)"), TypeChange::VarcharExtend { from: 10, to: 300 });
        assert_eq!(type_change("varchar(10)", "varchar(5)"), TypeChange::Other);
        assert_eq!(type_change("enum('a','b')", "enum('a','b','c')"), TypeChange::MembersAppended);
        assert_eq!(type_change("enum('a','b')", "enum('b','a')"), TypeChange::Other);
        assert_eq!(type_change("set('a','b')", "set('a','b','c')"), TypeChange::MembersAppended);
        // Eight members fit one byte, nine take two: the set is copied.
        let eight = "set('1','2','3','4','5','6','7','8')";
        assert_eq!(type_change(eight, "set('1','2','3','4','5','6','7','8','9')"), TypeChange::Other);
        assert_eq!(type_change("int", "bigint"), TypeChange::Other);
        assert_eq!(members("enum('a''b','c,d')"), 2);
    }

    fn rules_for(flavor: Flavor, version: &str, engine: &str) -> (Server, TableFacts) {
        (Server::parse(flavor, version), TableFacts { engine: engine.into(), row_format: "Dynamic".into(), ..TableFacts::default() })
    }

    #[test]
    fn clauses_only_for_innodb_on_known_servers() {
        let live = TableDef { name: "t".into(), ..TableDef::default() };
        let (server, facts) = rules_for(Flavor::MariaDb, "10.11.19-MariaDB", "InnoDB");
        let rules = Rules::new(server, &facts, &live);
        assert_eq!(rules.drop_column("a", false).alter_clause(), ", ALGORITHM=INSTANT");
        assert_eq!(rules.drop_index().alter_clause(), ", ALGORITHM=INPLACE, LOCK=NONE");
        assert_eq!(rules.add_foreign_key().alter_clause(), "");
        let (server, facts) = rules_for(Flavor::MariaDb, "10.11.19-MariaDB", "MyISAM");
        let rules = Rules::new(server, &facts, &live);
        assert_eq!(rules.drop_column("a", false).alter_clause(), "");
        assert_eq!(rules.set_default().alter_clause(), "");
        let (server, facts) = rules_for(Flavor::MariaDb, "10.3.39-MariaDB", "InnoDB");
        assert_eq!(Rules::new(server, &facts, &live).set_default().alter_clause(), "");
    }

    #[test]
    fn mariadb_without_instant_add_drop_rebuilds_in_place() {
        let live = TableDef { name: "t".into(), ..TableDef::default() };
        let (server, facts) = rules_for(Flavor::MariaDb, "10.11.19-MariaDB", "InnoDB");
        let never = server.with_instant_alter_column_allowed(Some("never"));
        let rules = Rules::new(never, &facts, &live);
        assert_eq!(rules.add_column(true).alter_clause(), ", ALGORITHM=INPLACE, LOCK=NONE");
        assert_eq!(rules.drop_column("a", false).alter_clause(), ", ALGORITHM=INPLACE, LOCK=NONE");
        let add_last = server.with_instant_alter_column_allowed(Some("add_last"));
        let rules = Rules::new(add_last, &facts, &live);
        assert_eq!(rules.add_column(true).alter_clause(), ", ALGORITHM=INSTANT");
        assert_eq!(rules.drop_column("a", false).alter_clause(), ", ALGORITHM=INPLACE, LOCK=NONE");
        let rules = Rules::new(server.with_instant_alter_column_allowed(None), &facts, &live);
        assert_eq!(rules.drop_column("a", false).alter_clause(), ", ALGORITHM=INSTANT");
    }

    fn widen(from: &str, to: &str, charset: &str) -> ColumnModify {
        let column = |t: &str| crate::model::ColumnDef {
            name: "v".into(),
            data_type: t.into(),
            ext: crate::model::mysql::Column { charset: Some(charset.into()), ..Default::default() },
            ..Default::default()
        };
        ColumnModify {
            desired: column(to),
            live: column(from),
            type_changed: true,
            charset_changed: false,
            default_changed: false,
            on_update_changed: false,
            null_changed: false,
            comment_changed: false,
        }
    }

    /// A varchar of 128-255 bytes gains a second length byte when it may exceed 255: MariaDB
    /// copies that one (checked on 10.11: varchar(31)→(100) utf8mb4 is instant, (32)→(100) not).
    #[test]
    fn varchar_widening_follows_the_length_bytes() {
        let live = TableDef { name: "t".into(), ..TableDef::default() };
        let (server, facts) = rules_for(Flavor::MariaDb, "10.11.19-MariaDB", "InnoDB");
        let rules = Rules::new(server, &facts, &live);
        assert_eq!(rules.modify(&widen("varchar(31)", "varchar(100)", "utf8mb4")).path, Path::Instant);
        assert_eq!(rules.modify(&widen("varchar(32)", "varchar(100)", "utf8mb4")).path, Path::Copy);
        assert_eq!(rules.modify(&widen("varchar(32)", "varchar(63)", "utf8mb4")).path, Path::Instant);
        assert_eq!(rules.modify(&widen("varchar(100)", "varchar(200)", "utf8mb4")).path, Path::Instant);
        assert_eq!(rules.modify(&widen("varchar(200)", "varchar(500)", "latin1")).path, Path::Copy);
        let (server, facts) = rules_for(Flavor::Mysql, "8.0.36", "InnoDB");
        let rules = Rules::new(server, &facts, &live);
        assert_eq!(rules.modify(&widen("varchar(10)", "varchar(60)", "utf8mb4")).path, Path::Online);
        assert_eq!(rules.modify(&widen("varchar(10)", "varchar(100)", "utf8mb4")).path, Path::Copy);
    }

    #[test]
    fn mysql_counts_row_versions() {
        let live = TableDef { name: "t".into(), ..TableDef::default() };
        let (server, mut facts) = rules_for(Flavor::Mysql, "8.0.36", "InnoDB");
        facts.row_versions = Some(62);
        let rules = Rules::new(server, &facts, &live);
        assert_eq!(rules.add_column(true).path, Path::Instant);
        assert_eq!(rules.add_column(true).path, Path::Instant);
        assert_eq!(rules.add_column(true).path, Path::ServerChoice, "the 65th row version would be refused");
        assert_eq!(rules.drop_column("x", false).path, Path::Online);
    }
}
