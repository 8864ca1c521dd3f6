CREATE TABLE "audit" (
  "id" uuid NOT NULL DEFAULT gen_random_uuid(),
  "created_at" timestamp with time zone NOT NULL DEFAULT now(),
  "updated_at" timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
  "day" date DEFAULT current_date,
  "actor" text DEFAULT current_user,
  "lower_name" text DEFAULT lower('ABC'),
  PRIMARY KEY ("id")
);
