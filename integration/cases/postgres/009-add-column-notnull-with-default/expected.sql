ALTER TABLE "orders" ADD COLUMN "status" character varying(20) NOT NULL DEFAULT 'pending';
ALTER TABLE "orders" ADD COLUMN "quantity" integer NOT NULL DEFAULT 1;
