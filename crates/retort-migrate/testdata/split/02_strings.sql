INSERT INTO "t" VALUES ('a;b', 'it''s; fine');
INSERT INTO "t" VALUES (E'back\'slash;');
SELECT "weird;name", `mysql;name` FROM "t";
