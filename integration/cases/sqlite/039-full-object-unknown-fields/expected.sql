CREATE TABLE "widgets" (
  "id" integer,
  "label" text,
  PRIMARY KEY ("id")
);
