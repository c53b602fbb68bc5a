-- Broken
-- revision: 0123456789ab
-- revises:

-- retort:upgrade
SELECT 1;
-- retort:downgrad
