select
    1 as a,
    'x,y' as b,
    True as c,
    1 as e_k,
    3 as e_j,
    493 as f,
    1000 as g,
    'fallback' as bad_yaml
-- name: x | list: | - 1 | - two | - null | - true | nested: |   k: 'a: b' |   empty: [] |   n: 1.5 | quoted: 'yes' | 
-- plain | ... | 