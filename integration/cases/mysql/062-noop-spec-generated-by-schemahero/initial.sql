CREATE TABLE accounts (
  id bigint NOT NULL AUTO_INCREMENT,
  active tinyint(1) NOT NULL DEFAULT 1,
  level tinyint NOT NULL DEFAULT 0,
  visits int NOT NULL DEFAULT 0,
  rank_no smallint,
  body text,
  summary tinytext,
  notes mediumtext,
  attachment blob,
  balance decimal(10,2) NOT NULL DEFAULT 0.00,
  email varchar(255) NOT NULL,
  country char(2),
  created_at datetime,
  PRIMARY KEY (id)
);
