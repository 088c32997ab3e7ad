select
    first(a) as any_a,
    max(b) as any_b,
    
    cast(c as string)
 as c_text,
    
    cast(g as geography)
 as g_geo,
    cast(c as integer)
 as c_int,
    cast(1 as float)
 as one_float,
    cast(g as geography)
 as g_safe_geo,
    
  
    cast(b as string)

 as b_text,
    concat(a, '-', c) as a_c,
    date_trunc('month', d) as d_month,
    'it\'s' as escaped,
    'abc' as literal,
    md5(cast(a as string)) as a_hash,
    

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
    

    right(
        a,
        3
    ) as a_right,
    

        get(split(
            a,
            

        -- escape if starts with a special character
        case when regexp_extract(',', '([^A-Za-z0-9])(.*)', 1) != '_'
            then concat('\\', ',')
            else ',' end

    
            ), 1)

         as second_part,
    

        get(split(
            a,
            

        -- escape if starts with a special character
        case when regexp_extract(',', '([^A-Za-z0-9])(.*)', 1) != '_'
            then concat('\\', ',')
            else ',' end

    
            ), 
                length(a)
                - length(
                    replace(a,  ',', '')
                ) + 1 + -1
            )

         as last_part,
    to_date('2024-01-05', 'yyyy-MM-dd') as fixed_date,
    current_timestamp() as now_ts,
    cast(null as timestamp) as t_ts,
    cast(null as decimal(28,6)) as t_num,
    cast(null as bigint) as t_big,
    cast(null as boolean) as t_bool,
    array( 1 , 2 ) as arr,
    concat(arr_1, arr_2) as arr_both,
    concat(arr_1, array( 3 )) as arr_more,
    (a = c)
 as a_is_c,
    a as id, c as name, 'done' as status
from `raw_db`.`app`.`events`
group by a, c



    except



select * from `raw_db`.`app`.`events`



    intersect



select * from `raw_db`.`app`.`events`