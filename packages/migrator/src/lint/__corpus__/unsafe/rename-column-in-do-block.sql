-- expect: renaming-column
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'posts' AND column_name = 'body') THEN
    ALTER TABLE posts RENAME COLUMN body TO content;
  END IF;
END $$;
