CREATE TABLE "tagged" (
  "id" integer NOT NULL,
  "tags" text[] NOT NULL DEFAULT '{}'::text[],
  "scores" integer[],
  "codes" character varying(10)[],
  "matrix" integer[][],
  "durations" interval[],
  PRIMARY KEY ("id")
);
