-- Root
--
-- revision: aaaaaaaaaaaa
-- revises: 
-- created: 2026-11-25 19:42:11 UTC

-- retort:upgrade
SELECT 1;

-- retort:downgrade
SELECT 2;
