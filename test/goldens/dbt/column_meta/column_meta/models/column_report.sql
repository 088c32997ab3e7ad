select
  'none' as amount_owner,
  'none' as amount_pii,
  'False' as amount_pk,
  '/' as amount_tags,
  'None' as amount_type,
  '0/None' as amount_rest,
  'team_b' as id_owner,
  'False' as id_pii,
  'True' as id_pk,
  'key/key' as id_tags,
  'integer' as id_type,
  '0/None' as id_rest,
  '0' as own_columns