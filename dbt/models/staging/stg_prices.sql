-- Silver: one row per (symbol, price_date), typed; the newest bronze partition wins
-- (then the latest fetch). Rows without a symbol, a date or a positive close are dropped
-- (no return can be computed from them); other non-positive prices and negative volumes
-- become null. Incremental: reads only bronze partitions from its own watermark on and
-- merges them on (symbol, price_date).
{{ config(
    unique_key=['symbol', 'price_date'],
    partitioned_by=(['price_date'] if target.type == 'athena' else none),
) }}

with records as (
    {{ bronze_records(source('bronze', 'prices'), 'prices', incremental_since()) }}
),

typed as (
    select
        {{ clean_symbol('symbol', 'envelope_symbol') }} as symbol,
        try_cast(price_date as date) as price_date,
        {{ positive_or_null(to_double('open_price')) }} as open_price,
        {{ positive_or_null(to_double('high_price')) }} as high_price,
        {{ positive_or_null(to_double('low_price')) }} as low_price,
        {{ positive_or_null(to_double('close_price')) }} as close_price,
        case when {{ to_bigint('volume') }} >= 0 then {{ to_bigint('volume') }} end as volume,
        {{ positive_or_null(to_double('vwap')) }} as vwap,
        {{ iso_timestamp('fetched_at') }} as fetched_at,
        cast(ingest_date as date) as ingest_date,
        content_sha256
    from records
),

ranked as (
    select
        *,
        row_number() over (
            partition by symbol, price_date
            order by ingest_date desc, fetched_at desc nulls last, content_sha256 desc nulls last
        ) as fetch_rank
    from typed
    where symbol is not null and symbol <> ''
        and price_date is not null
        and close_price is not null
)

select
    symbol,
    price_date,
    open_price,
    high_price,
    low_price,
    close_price,
    volume,
    vwap,
    fetched_at,
    ingest_date
from ranked
where fetch_rank = 1
