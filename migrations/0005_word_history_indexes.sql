-- 0005: a word's history and a model's history without scanning every word row ever recorded.
--
-- A version that is still valid is found through words_open (model, word) of migration 0002. A version that
-- ended is found through this index, which holds only ended rows: `log --word W` seeks (model, W) in both for each
-- model, `log --model M` reads M's rows from both. It grows with the nights' changes (a row enters it when a
-- snapshot ends it), never with a first snapshot, which writes only open rows.
--
-- Indexes only: an older archive on a read-only mount that lacks it is still read (more slowly).
CREATE INDEX words_ended_by_model_word ON words (model, word) WHERE valid_to <> 2147483647;
