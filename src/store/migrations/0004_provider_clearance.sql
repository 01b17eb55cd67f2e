-- 0004: the highest data sensitivity a remote provider is cleared for, settable through
-- AdminService as config's `max_sensitivity` is (NULL: the default clearance, confidential).
ALTER TABLE providers
  ADD COLUMN max_sensitivity text
  CHECK (max_sensitivity IN ('public', 'internal', 'confidential', 'restricted'));
