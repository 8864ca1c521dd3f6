CREATE TABLE "literals" (
  "n_zero" integer DEFAULT 0,
  "n_negative" integer DEFAULT -5,
  "n_decimal" numeric(6,2) DEFAULT 3.14,
  "n_negative_decimal" double precision DEFAULT -0.5,
  "n_big" bigint DEFAULT 9000000000,
  "b_true" boolean DEFAULT true,
  "b_false" boolean DEFAULT false,
  "s_plain" text DEFAULT 'hello world',
  "s_quote" text DEFAULT 'it''s',
  "s_quoted_literal" character varying(20) DEFAULT 'draft',
  "s_empty" text DEFAULT '',
  "s_cast" jsonb DEFAULT '{}'::jsonb,
  "s_null" text,
  "s_number_as_text" text DEFAULT 42
);
