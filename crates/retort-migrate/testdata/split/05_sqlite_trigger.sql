CREATE TRIGGER "audit" AFTER UPDATE ON "users"
WHEN NEW."name" IS NOT NULL
BEGIN
  INSERT INTO "log" ("msg") VALUES ('changed; ' || NEW."name");
  UPDATE "users" SET "kind" = CASE WHEN NEW."age" > 18 THEN 'adult' ELSE 'minor' END
  WHERE "id" = NEW."id";
END;
CREATE TABLE "after" ("x" INTEGER);
