CREATE TABLE "a" ("x" INTEGER);
CREATE TABLE "b" ("y" INTEGER); CREATE TABLE "c" ("z" INTEGER);

-- a comment between statements
INSERT INTO "a" VALUES (1)
