CREATE TABLE "numbers" (
  "c_int" integer,
  "c_int4" integer,
  "c_integer" integer,
  "c_int8" bigint,
  "c_bigint" bigint,
  "c_int2" smallint,
  "c_smallint" smallint,
  "c_float8" double precision,
  "c_float4" real,
  "c_real" real,
  "c_double" double precision,
  "c_decimal" numeric(12,4),
  "c_numeric" numeric,
  "c_numeric_p" numeric(8,0),
  "c_bool" boolean,
  "c_boolean" boolean
);
