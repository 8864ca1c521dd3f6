CREATE OR REPLACE FUNCTION "public"."new_body"(a integer) RETURNS integer LANGUAGE sql AS $function$
SELECT a * 3
$function$;
-- hazard MAY_FAIL: its result changes from integer, which CREATE OR REPLACE cannot do: dropped and created again; fails if a trigger or view depends on it
DROP FUNCTION "public"."new_result"(integer);
CREATE FUNCTION "public"."new_result"(a integer) RETURNS bigint LANGUAGE sql AS $function$
SELECT (a * 2)::bigint
$function$;
-- hazard MAY_FAIL: its parameter names change, which CREATE OR REPLACE cannot do: dropped and created again; fails if a trigger or view depends on it
DROP FUNCTION "public"."renamed_param"(integer);
CREATE FUNCTION "public"."renamed_param"(new_name integer) RETURNS integer LANGUAGE sql AS $function$
SELECT new_name
$function$;
