CREATE TABLE "tickets" (
  "id" serial NOT NULL,
  "seq" bigserial NOT NULL,
  "title" text,
  PRIMARY KEY ("id")
);
