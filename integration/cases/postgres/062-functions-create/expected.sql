CREATE FUNCTION "public"."add_numbers"(a int, b int) RETURNS int LANGUAGE PLpgSQL AS $function$
BEGIN
  RETURN a + b;
END;
$function$;
CREATE FUNCTION "public"."small_series"(n integer) RETURNS SETOF integer LANGUAGE SQL AS $function$
SELECT generate_series(1, n)
$function$;
CREATE FUNCTION "public"."touch_updated_at"() RETURNS trigger LANGUAGE PLpgSQL AS $function$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$function$;
CREATE FUNCTION "public"."split_pair"(pair text, OUT head text, OUT tail text) LANGUAGE sql AS $function$
SELECT split_part(pair, ',', 1), split_part(pair, ',', 2)
$function$;
