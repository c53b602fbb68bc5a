CREATE FUNCTION "touch"() RETURNS trigger AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION "f"() RETURNS text AS $body$ SELECT 'a;$$;b' $body$ LANGUAGE sql;
SELECT $1, price$ FROM "t";
