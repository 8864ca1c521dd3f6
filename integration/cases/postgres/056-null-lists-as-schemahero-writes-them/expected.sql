CREATE TABLE "accounts" (
  "id" integer NOT NULL,
  "name" character varying(40),
  PRIMARY KEY ("id")
);
