CREATE TABLE "accounts" (
  "id" integer,
  "name" varchar(40),
  PRIMARY KEY ("id")
);
