CREATE TABLE shipments (
  id bigint NOT NULL,
  tracking varchar(40) NOT NULL,
  weight numeric(8,3),
  shipped boolean DEFAULT false NOT NULL,
  created_at timestamp with time zone DEFAULT now(),
  tags text[] DEFAULT '{}'::text[],
  meta jsonb,
  a timestamptz DEFAULT CURRENT_TIMESTAMP,
  c varchar(10) DEFAULT 'x'::character varying,
  d text DEFAULT 'it''s',
  e numeric DEFAULT -1.5,
  f integer DEFAULT (-3),
  CONSTRAINT shipments_pkey PRIMARY KEY (id)
);
INSERT INTO shipments (id, tracking, created_at, a) VALUES (1, 'TRK1', '2024-05-01 12:00:00+00', '2024-05-02 08:30:00+00');
