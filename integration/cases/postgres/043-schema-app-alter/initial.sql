CREATE SCHEMA app;
CREATE TABLE app.parents (id integer PRIMARY KEY);
CREATE TABLE app.children (id integer PRIMARY KEY, parent_id integer, old_col text, size varchar(5));
CREATE TABLE public.children (id integer PRIMARY KEY, untouched text);
INSERT INTO app.parents VALUES (1);
INSERT INTO app.children VALUES (1, 1, 'gone', 'S');
INSERT INTO public.children VALUES (1, 'stays');
