CREATE TABLE "products" (
  "id" integer NOT NULL,
  "name" text NOT NULL,
  "price" numeric(10,2),
  "in_stock" boolean DEFAULT true,
  PRIMARY KEY ("id")
);
