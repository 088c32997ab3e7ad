select
    'TEXT' as translated,
    'integer' as untouched,
    'character varying(10)' as string_type,
    'numeric(10,2)' as numeric_type,
    'numeric' as numeric_bare,
    'id TEXT character varying(256) "id"' as created