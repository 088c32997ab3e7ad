

select
  'False' as ref_is_none,
  'True' as ref_is_ref,
  'True' as exec_true,
  'True' as none_none,
  'True' as var_none,
  'False' as config_none
from "jinja_literals"."main"."base"