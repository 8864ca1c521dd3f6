CREATE TABLE "tagged" (
  "id" integer NOT NULL,
  "tags" text[] NOT NULL DEFAULT '{}'::text[],
  "scores" integer[],
  "codes" character varying(10)[],
  "durations" interval[],
  PRIMARY KEY ("id")
);
