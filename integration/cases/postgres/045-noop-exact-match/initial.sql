CREATE TABLE shipments (
  id bigint NOT NULL,
  tracking varchar(40) NOT NULL,
  weight numeric(8,3),
  shipped boolean DEFAULT false NOT NULL,
  created_at timestamp with time zone DEFAULT now(),
  tags text[] DEFAULT '{}'::text[],
  meta jsonb,
  CONSTRAINT shipments_pkey PRIMARY KEY (id)
);
INSERT INTO shipments (id, tracking) VALUES (1, 'TRK1');
