-- Check that revenue is positive
SELECT waiter_id
FROM "memory"."sushi"."top_waiters"
WHERE revenue < 0