CREATE SCHEMA app;
CREATE TABLE public.items (id integer PRIMARY KEY, public_only text);
