-- Add posts
--
-- revision: 3c4d5e6f7081
-- revises: 1a2b3c4d5e6f
-- created: 2026-11-25 19:42:11 UTC

-- retort:upgrade
SELECT 1;

-- retort:downgrade
SELECT 2;
