CREATE TABLE "defaults" (
  "id" integer,
  "num" integer DEFAULT 42,
  "neg" integer DEFAULT -7,
  "real_num" real DEFAULT 1.5,
  "str" text DEFAULT 'hello',
  "quote" text DEFAULT 'it''s',
  "quoted" text DEFAULT 'already quoted',
  "empty" text DEFAULT '',
  "ts" timestamp DEFAULT CURRENT_TIMESTAMP,
  "today" date DEFAULT CURRENT_DATE,
  "fn" text DEFAULT (datetime('now')),
  "flag_true" boolean DEFAULT true,
  "flag_false" boolean DEFAULT false,
  "nul" text,
  PRIMARY KEY ("id")
);
