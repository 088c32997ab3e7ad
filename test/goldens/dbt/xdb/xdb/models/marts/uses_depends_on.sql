-- depends_on: "xdb"."main"."xdb_dates"

    

select
    'xdb_dates' as upstream_identifier,
    1 as one