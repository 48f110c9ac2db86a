-- expect: none
CREATE TABLE dedupe_user_ids AS
  SELECT min(id::text)::uuid AS keep_id, lower(email) AS email FROM auth.users GROUP BY lower(email) HAVING count(*) > 1;
UPDATE auth.users u SET status = 'merged' FROM dedupe_user_ids d WHERE lower(u.email) = d.email AND u.id <> d.keep_id;
TRUNCATE dedupe_user_ids;
DROP TABLE dedupe_user_ids;
