CREATE TABLE "users" (
  "id" integer,
  "email" varchar(255) NOT NULL,
  PRIMARY KEY ("id")
);
