-- Merge users and posts
--
-- revision: 4d5e6f708192
-- revises: 2b3c4d5e6f70, 3c4d5e6f7081
-- created: 2026-11-25 19:42:11 UTC

-- retort:upgrade
SELECT 1;

-- retort:downgrade
SELECT 2;
