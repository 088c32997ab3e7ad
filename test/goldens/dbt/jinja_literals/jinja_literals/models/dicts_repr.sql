


select
  $${1: 'a', None: 'b', 'k': 'd', 2.5: 'f'}$$ as repr,
  $${1: 'e'}$$ as merged_repr,
  1 as merged_size,
  'e' as true_key,
  $$[1, None, 'k', 2.5]$$ as keys
from "jinja_literals"."main"."base"