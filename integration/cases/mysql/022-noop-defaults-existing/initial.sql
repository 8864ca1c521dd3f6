CREATE TABLE lits (
  a varchar(20) DEFAULT 'it''s',
  b decimal(10,2) DEFAULT '1.50',
  c tinyint(1) DEFAULT 1,
  d timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  e char(36) DEFAULT (uuid()),
  f varchar(5) DEFAULT '0'
);
