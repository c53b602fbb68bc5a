-- Hotfix posts
--
-- revision: 6f708192a3b4
-- revises: 3c4d5e6f7081
-- created: 2026-11-25 19:42:11 UTC

-- retort:upgrade
SELECT 1;

-- retort:downgrade
SELECT 2;
