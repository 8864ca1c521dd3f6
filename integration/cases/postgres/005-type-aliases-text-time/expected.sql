CREATE TABLE "misc_types" (
  "c_text" text,
  "c_varchar" character varying(100),
  "c_varchar_nolen" character varying,
  "c_char" character(3),
  "c_timestamptz" timestamp with time zone,
  "c_timestamp" timestamp without time zone,
  "c_timestamp3" timestamp(3) without time zone,
  "c_timestamptz6" timestamp(6) with time zone,
  "c_date" date,
  "c_time" time without time zone,
  "c_timetz" time with time zone,
  "c_interval" interval,
  "c_uuid" uuid,
  "c_json" json,
  "c_jsonb" jsonb,
  "c_bytea" bytea,
  "c_inet" inet
);
