CREATE TABLE "accounts" (
  "id" bigint NOT NULL,
  "label" character varying(64),
  PRIMARY KEY ("id")
);
