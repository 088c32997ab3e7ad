select
    3 as distinct_count,
    '900150983cd24fb0d6963f7d28e17f72' as md5,
    '[(1, 'a'), (2, 'b')]' as zipped,
    '{"a": 1, "b": [true, null]}' as json_text,
    2 as from_json