-- 0005: a word's history and a model's history without scanning every word row ever recorded.
--
-- `log --word W` finds every version of a word, in every model and lineage, with one seek in words_by_word;
-- `log --model M` reads every row a model ever had (its first snapshot's rows and each night's changes) with
-- one range in words_by_model. Without them both scanned the whole words table, a cost that grew with the
-- archive's age. They add about 25 bytes per new word row (a night's changed entries), not per entry.
--
-- Indexes only: an older archive on a read-only mount that lacks them is still read (more slowly).
CREATE INDEX words_by_word ON words (word);
CREATE INDEX words_by_model ON words (model, valid_from);
