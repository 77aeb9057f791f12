-- 0004: find a model's metadata and content state at any snapshot with one index seek.
--
-- A diff or restore of an older snapshot needs, per model, the model_versions and model_states rows valid at
-- that snapshot: the one with the greatest valid_from at or before it. Without these indexes that meant
-- scanning every state ever recorded (about 100 rows a night), a cost that grew with the archive's age. They
-- add about 10 bytes per new state row.
--
-- Indexes only: an older archive on a read-only mount that lacks them is still read (more slowly).
CREATE INDEX model_states_history ON model_states (model, valid_from);
CREATE INDEX model_versions_history ON model_versions (model, valid_from);
