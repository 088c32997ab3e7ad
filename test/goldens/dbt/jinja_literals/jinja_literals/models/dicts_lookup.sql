
select
  'a' as one,
  'a' as one_float,
  'b' as none_key,
  'f' as float_key,
  4 as size,
  'b' as got_none,
  'default' as got_default,
  'True' as has_one,
  'True' as has_none,
  'False' as has_three
from "jinja_literals"."main"."base"