{#-
  What an incremental model needs to know about its last run, as literals.

  Every silver/gold model carries `ingest_date`: the newest bronze partition that shaped
  the row. `incremental_since()` is the model's watermark (max of that column), so a run
  reads only the bronze partitions after it. (A partition written after the transform read
  it, e.g. by an ad-hoc ingest racing a scheduled transform, is not read again; its prices
  come back with the next day's ingestion overlap, and --full-refresh restates everything.)
  `first_changed(...)` is the earliest business date the new partitions touch, the start
  of the tail a windowed model recomputes. Both are literals (one small query each), so the engines prune
  partitions before reading.

  Offline compiles (the Athena SQL checks, no connection) set vars `finks_offline: true`
  and optionally `finks_since` / `finks_first_changed` to render the incremental shape.
-#}

{% macro incremental_since(column='ingest_date') %}
  {%- if var('finks_offline', false) -%}
    {{ return(var('finks_since', none)) }}
  {%- endif -%}
  {%- if not execute or this is none or not is_incremental() -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set result = run_query('select max(' ~ column ~ ') from ' ~ this) -%}
  {%- set value = result.columns[0].values()[0] if result.rows | length else none -%}
  {{ return(none if value is none else (value | string)[:10]) }}
{% endmacro %}

{#- The earliest `date_field` (a record field) in bronze partitions > since, or none. -#}
{% macro first_changed(dataset, date_field, since) %}
  {%- if var('finks_offline', false) -%}
    {{ return(var('finks_first_changed', since)) }}
  {%- endif -%}
  {%- if not execute or since is none -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set sql -%}
    select min(try_cast({{ date_field }} as date))
    from ({{ finks.bronze_records(source('bronze', dataset), dataset, since) }}) as changed
  {%- endset -%}
  {%- set result = run_query(sql) -%}
  {%- set value = result.columns[0].values()[0] if result.rows | length else none -%}
  {{ return(none if value is none else (value | string)[:10]) }}
{% endmacro %}

{#- A date literal both engines read the same way. -#}
{% macro date_literal(iso) -%}
  date '{{ iso }}'
{%- endmacro %}

{#- `iso` minus `days` calendar days, as an ISO date (computed in Jinja: a literal). -#}
{% macro days_before(iso, days) -%}
  {{- return((modules.datetime.date.fromisoformat(iso) - modules.datetime.timedelta(days=days)).isoformat()) -}}
{%- endmacro %}
