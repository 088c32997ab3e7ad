select id, 'True' as first_build, 'True' as parent_missing
from "relation_lookup"."main"."base"