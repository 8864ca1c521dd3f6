CREATE TABLE "tickets" (
  "id" serial NOT NULL,
  "seq" bigserial NOT NULL,
  "title" text,
  PRIMARY KEY ("id")
);
-- hazard TABLE_REWRITE: a volatile default rewrites every row under an exclusive lock
ALTER TABLE "imports" ADD COLUMN "id" bigserial NOT NULL;
