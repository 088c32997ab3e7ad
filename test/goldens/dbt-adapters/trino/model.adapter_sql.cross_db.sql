select
    min(a) as any_a,
    bool_or(b) as any_b,
    
    cast(c as varchar)
 as c_text,
    
    cast(g as geography)
 as g_geo,
    try_cast(c as integer) as c_int,
    try_cast(1 as double) as one_float,
    try_cast(g as geography) as g_safe_geo,
    
  
    cast(b as VARCHAR)

 as b_text,
    a || '-' || c as a_c,
    date_trunc('month', d) as d_month,
    'it''s' as escaped,
    'abc' as literal,
    lower(to_hex(md5(to_utf8(cast(a as varchar))))) as a_hash,
    

    length(
        a
    ) as a_length,
    

    position(
        'x' in a
    ) as x_at,
    

    replace(
        a,
        'x',
        'y'
    )


 as a_y,
    
    case when 3 = 0
        then ''
    else
        substr(a, -1 * (3))
    end as a_right,
    
  
    

    split_part(
        a,
        ',',
        2
        )


  
 as second_part,
    
  
    

    split_part(
        a,
        ',',
          length(a)
          - length(
              replace(a,  ',', '')
          ) + 2 + -1
        )


  
 as last_part,
    to_date('2024-01-05', 'YYYY-MM-DD') as fixed_date,
    current_timestamp as now_ts,
    cast(null as timestamp) as t_ts,
    cast(null as decimal(28, 6)) as t_num,
    cast(null as bigint) as t_big,
    cast(null as boolean) as t_bool,
    array[ 1 , 2 ] as arr,
    concat(arr_1, arr_2) as arr_both,
    concat(arr_1, array[ 3 ]) as arr_more,
    (a = c)
 as a_is_c,
    a as id, c as name, 'done' as status
from "RAW_DB"."app"."events"
group by a, c



    except



select * from "RAW_DB"."app"."events"



    intersect



select * from "RAW_DB"."app"."events"