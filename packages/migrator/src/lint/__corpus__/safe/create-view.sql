-- expect: none
CREATE OR REPLACE VIEW active_users AS
  SELECT id, email FROM auth.users WHERE status = 'active';
