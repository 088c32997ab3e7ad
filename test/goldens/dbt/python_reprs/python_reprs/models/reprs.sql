


select
  $${1: 'a'}$$ as int_key,
  $$[1.0, True, None]$$ as list_repr,
  $${1: 'd', 'k': 'a', None: 'b', 2.5: 'c'}$$ as mixed_keys,
  $${1: 'c'}$$ as merged_keys,
  1 as merged_size,
  'c' as merged_lookup,
  $${'outer': {2: [1.0, {None: True}], 'l': (1, 'x')}}$$ as nested,
  $${1: 'd', 'k': 'a', None: 'b', 2.5: 'c'}$$ as d_string,
  $${1: 'c'}$$ as merged_string,
  $$[1.0, True, None]$$ as list_string,
  $$[(1, 'd'), ('k', 'a'), (None, 'b'), (2.5, 'c')]$$ as items,
  $${1: 'd', 'k': 'a', None: 'b', 2.5: 'c'}$$ as copied,
  $${1: 'd', 'k': 'a', None: 'b', 2.5: 'c', 'z': 1}$$ as dict_call,
  $${True: 1, False: 'zero'}$$ as bool_keys,
  'True' as has_none,
  'True' as has_float
  , '{"1": "a", "2": "b", "10": "c"}' as int_keys_json
  , '{"false": 0, "true": 1}' as bool_keys_json
  , '3' as float_keys_size
  , '{"1.0": "y", "2.5": "x"}' as float_keys_json
  , '{"a": {"3": null}, "b": 1}' as nested_json