-- Add tags
--
-- revision: 5e6f708192a3
-- revises: 4d5e6f708192
-- created: 2026-11-25 19:42:11 UTC

-- retort:upgrade
SELECT 1;

-- retort:downgrade
SELECT 2;
