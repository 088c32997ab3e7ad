select
    any_value(a) as any_a,
    boolor_agg(b) as any_b,
    
    cast(c as TEXT)
     as c_text,
    
    to_geography(g)
     as g_geo,
    
    
        try_cast(c as integer)
     as c_int,
    
    
        try_cast('1' as float)
     as one_float,
    
    try_to_geography(g)
     as g_safe_geo,
    
  
    cast(b as TEXT)

 as b_text,
    a || '-' || c as a_c,
    date_trunc('month', d) as d_month,
    'it\'s' as escaped,
    'abc' as literal,
    md5(cast(a as TEXT)) as a_hash,
    

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
        right(
            a,
            3
        )
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
        -1
        )

 as last_part,
    to_date('2024-01-05', 'YYYY-MM-DD') as fixed_date,
    convert_timezone('UTC', current_timestamp()) as now_ts,
    cast(null as timestamp) as t_ts,
    cast(null as numeric(28,6)) as t_num,
    cast(null as bigint) as t_big,
    cast(null as boolean) as t_bool,
    array_construct( 1 , 2 ) as arr,
    array_cat(arr_1, arr_2) as arr_both,
    array_append(arr_1, 3) as arr_more,
    (a = c) as a_is_c,
    a as id, c as name, 'done' as status
from RAW_DB.app.events
group by a, c



    except



select * from RAW_DB.app.events



    intersect



select * from RAW_DB.app.events