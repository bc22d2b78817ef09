-- 0007_compact_matches: a stored verdict keeps what showing it needs, not a copy of the whole
-- match (a mean of 1.86 KB a report in a real run, 2/3 of the database, in a WITHOUT ROWID
-- table whose large rows spilled to overflow pages). `explanation` is now
-- {"t": [terms that scored], "r": [why it missed], "h": [[entity or keyword, first word,
-- end word], ...]}; snippets and spellings are recomputed from the stored text when shown.
-- Rows written before are shortened here. Append-only.
UPDATE matches SET explanation = json_object(
    't', coalesce(json_extract(explanation, '$.terms'), json('[]')),
    'r', coalesce(json_extract(explanation, '$.reasons'), json('[]')),
    'h', coalesce(
        (SELECT json_group_array(json_array(
                    coalesce(json_extract(h.value, '$.entity'), json_extract(h.value, '$.keyword')),
                    json_extract(h.value, '$.start'), json_extract(h.value, '$.end')))
         FROM json_each(explanation, '$.hits') AS h
         WHERE json_extract(h.value, '$.counted')),
        json('[]'))
) WHERE json_extract(explanation, '$.hits') IS NOT NULL;
