//! The MySQL / MariaDB engine (being built).
