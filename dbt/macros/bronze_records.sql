{#-
  bronze_records(relation, dataset, since=none): one row per FMP record in the bronze zone,
  with its partition (ingest_date) and the envelope fields alongside.

  `since` (an ISO date) keeps only the partitions ingest_date > since: a literal, so both
  engines prune by path before reading (Athena: partition projection; DuckDB: one glob per
  partition after `since`, from the listing finks_dbt.partitions passes in), and a daily
  run reads and lists only the new partitions.

  `relation` is always `source('bronze', dataset)` so the lineage graph shows the bronze
  source on every target. Athena reads that Glue external table (ingestion's deploy
  applies it); DuckDB reads the same JSON objects straight from the bronze bucket over the
  S3 API (httpfs), so the local build exercises the real object layout.
-#}

{% macro bronze_records(relation, dataset, since=none) %}
  {{ return(adapter.dispatch('bronze_records', 'finks')(relation, dataset, since)) }}
{% endmacro %}

{% macro default__bronze_records(relation, dataset, since=none) %}
  {{ exceptions.raise_compiler_error(
      "bronze_records: no implementation for adapter '" ~ target.type
      ~ "'. Supported: athena (cloud) and duckdb (local).") }}
{% endmacro %}

{% macro duckdb__bronze_records(relation, dataset, since=none) %}
  {%- set envelope = finks.bronze_envelope_fields() -%}
  {%- set fields = finks.bronze_record_fields(dataset) -%}
  {%- set partition = finks.bronze_partition() -%}
  {%- set envelope_spec -%}
    STRUCT({% for key, _ in envelope %}"{{ key }}" VARCHAR{% if not loop.last %}, {% endif %}{% endfor %})
  {%- endset -%}
  {%- set records_spec -%}
    STRUCT({% for key, _ in fields %}"{{ key }}" VARCHAR{% if not loop.last %}, {% endif %}{% endfor %})[]
  {%- endset -%}
  select
    bronze_object.{{ partition }},
    {%- for key, column in envelope %}
    bronze_object.envelope."{{ key }}" as {{ column }},
    {%- endfor %}
    {%- for key, column in fields %}
    bronze_object.record."{{ key }}" as {{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
  from (
    select {{ partition }}, envelope, unnest(records) as record
    from read_json(
      {{ finks.bronze_globs(dataset, since) }},
      format = 'auto',
      maximum_object_size = 268435456,
      hive_partitioning = true,
      hive_types = {'{{ partition }}': 'VARCHAR', 'symbol': 'VARCHAR'},
      columns = {envelope: '{{ envelope_spec }}', records: '{{ records_spec }}'}
    )
    {%- if since %}
    where {{ partition }} > '{{ since }}'
    {%- endif %}
  ) as bronze_object
{% endmacro %}

{% macro athena__bronze_records(relation, dataset, since=none) %}
  {%- set envelope = finks.bronze_envelope_fields() -%}
  {%- set fields = finks.bronze_record_fields(dataset) -%}
  {%- set partition = finks.bronze_partition() -%}
  select
    bronze_object.{{ partition }},
    {%- for key, column in envelope %}
    bronze_object.envelope.{{ key | lower }} as {{ column }},
    {%- endfor %}
    {%- for key, column in fields %}
    record.{{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
  from {{ relation }} as bronze_object
  {#- Trino expands an array of rows into one column per field, in DDL order. #}
  cross join unnest(bronze_object.records) as record (
    {%- for key, column in fields %}{{ column }}{% if not loop.last %}, {% endif %}{% endfor -%}
  )
  {%- if since %}
  where bronze_object.{{ partition }} > '{{ since }}'
  {%- endif %}
{% endmacro %}

{% macro bronze_glob(dataset, partition_value='*') %}
  {#- The objects of one dataset: fmp/{dataset}/ingest_date={value}/symbol=*/*.json #}
  {{- return('s3://' ~ env_var('FINKS_BRONZE_BUCKET') ~ '/fmp/' ~ dataset ~ '/'
             ~ finks.bronze_partition() ~ '=' ~ partition_value ~ '/*/*.json') -}}
{% endmacro %}

{% macro bronze_globs(dataset, since=none) %}
  {#-
    DuckDB's read_json argument: the partitions after `since` that the listing found, one
    glob each (an S3 glob lists its prefix, so this lists one partition, not all history),
    or the whole dataset when there is no watermark, no listing, or nothing newer.
  -#}
  {%- set globs = [] -%}
  {%- if since and execute -%}
    {%- set listed = fromjson(env_var('FINKS_BRONZE_PARTITIONS', '{}')).get(dataset, []) -%}
    {%- for value in listed if value > since -%}
      {%- do globs.append(finks.bronze_glob(dataset, value)) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if not globs -%}
    {%- do globs.append(finks.bronze_glob(dataset)) -%}
  {%- endif -%}
  {{- return("[" ~ ("'" ~ globs | join("', '") ~ "'") ~ "]") -}}
{% endmacro %}
