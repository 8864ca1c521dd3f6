CREATE TABLE "grids" (
  "id" integer NOT NULL,
  "matrix" integer[],
  PRIMARY KEY ("id")
);
