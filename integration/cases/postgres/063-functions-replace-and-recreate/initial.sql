CREATE FUNCTION unchanged(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a * 2 $$;
CREATE FUNCTION new_body(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a * 2 $$;
CREATE FUNCTION new_result(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a * 2 $$;
CREATE FUNCTION renamed_param(old_name integer) RETURNS integer LANGUAGE sql AS $$ SELECT old_name $$;
