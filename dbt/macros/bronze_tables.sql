{#-
  Athena only: the Glue external tables over the bronze JSON objects, one per
  dataset, in the environment's bronze database (FINKS_BRONZE_DATABASE).
  Runs as on-run-start hooks (idempotent: IF NOT EXISTS) so a fresh
  environment needs no manual DDL; on DuckDB it renders nothing because the
  models read the objects directly (see bronze_records.sql).

  The tables are not partitioned: Athena reads every object under the dataset
  prefix, including the ingest_date=/symbol= sub-folders. Partition projection
  on ingest_date is the next step once bronze grows (README "Table formats").
  The OpenX JSON SerDe needs one JSON document per line, which is how
  ingestion writes the objects (json.dumps without indent).
-#}

{#- Each hook renders one statement (Athena runs one per query); nothing on other engines.
    The database itself belongs to infrastructure (finks_infra Catalog). -#}
{% macro create_bronze_table(dataset) %}
  {%- if target.type == 'athena' -%}
    {{ finks.bronze_table_ddl(env_var('FINKS_BRONZE_DATABASE'), dataset) }}
  {%- endif -%}
{% endmacro %}

{% macro bronze_table_ddl(database, dataset) %}
  {%- set envelope = finks.bronze_envelope_fields() -%}
  {%- set fields = finks.bronze_record_fields(dataset) -%}
  create external table if not exists `{{ database }}`.`fmp_{{ dataset }}` (
    `envelope` struct<{% for key, _ in envelope %}`{{ key | lower }}`:string{% if not loop.last %},{% endif %}{% endfor %}>,
    `records` array<struct<{% for key, _ in fields %}`{{ key | lower }}`:string{% if not loop.last %},{% endif %}{% endfor %}>>
  )
  row format serde 'org.openx.data.jsonserde.JsonSerDe'
  with serdeproperties ('case.insensitive' = 'true', 'ignore.malformed.json' = 'false')
  stored as inputformat 'org.apache.hadoop.mapred.TextInputFormat'
  outputformat 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
  location 's3://{{ env_var("FINKS_BRONZE_BUCKET") }}/fmp/{{ dataset }}/'
  tblproperties ('classification' = 'json')
{% endmacro %}
