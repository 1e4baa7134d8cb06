"""template.yaml and the analytics code agree: the Glue tables declare the columns the local
engine reads, where the Firehose streams write, and the rules capture every event the SQL reads."""

from __future__ import annotations

import re
from typing import Any

import pytest

from local.stack import TEMPLATE_PATH
from local.template import load_template
from returns_service.analytics import query
from returns_service.analytics.records import (
    NO_STATE,
    PARTITION_COLUMN,
    STATE_MARKER,
    STATE_PARTITION,
    STATES,
    TABLES,
    RecordTable,
    StateTable,
)

RESOURCES: dict[str, Any] = load_template(TEMPLATE_PATH)["Resources"]


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {name: spec["Properties"] for name, spec in RESOURCES.items() if spec["Type"] == kind}


def glue_table(table: RecordTable | StateTable) -> dict[str, Any]:
    [found] = [
        p["TableInput"] for p in of_type("AWS::Glue::Table").values() if p["TableInput"]["Name"] == table.name
    ]
    return dict(found)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_each_glue_table_is_the_records_the_local_engine_reads(table: RecordTable) -> None:
    glue = glue_table(table)
    storage = glue["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == list(table.columns)
    assert glue["PartitionKeys"] == [{"Name": PARTITION_COLUMN, "Type": "string"}]
    assert storage["Location"]["Fn::Sub"] == f"s3://${{AnalyticsBucket}}/{table.prefix}"
    parameters = glue["Parameters"]
    assert (
        parameters["storage.location.template"]["Fn::Sub"]
        == f"s3://${{AnalyticsBucket}}/{table.prefix}dt=${{!dt}}/"
    )
    assert parameters["projection.enabled"] == "true" and parameters["projection.dt.format"] == "yyyy-MM-dd"
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"


def test_the_streams_write_where_the_tables_read() -> None:
    streams = of_type("AWS::KinesisFirehose::DeliveryStream")
    prefixes = {p["ExtendedS3DestinationConfiguration"]["Prefix"] for p in streams.values()}
    assert prefixes == {f"{t.prefix}dt=!{{timestamp:yyyy-MM-dd}}/" for t in TABLES}
    for properties in streams.values():
        destination = properties["ExtendedS3DestinationConfiguration"]
        assert destination["CompressionFormat"] == "GZIP" and destination["FileExtension"] == ".json.gz"
        [processor] = destination["ProcessingConfiguration"]["Processors"]
        assert processor["Type"] == "AppendDelimiterToRecord"  # one JSON object a line


def test_the_rules_capture_every_event_the_sql_reads() -> None:
    rules = of_type("AWS::Events::Rule")
    captured = {t for rule in rules.values() for t in rule["EventPattern"]["detail-type"]}
    named = set(re.findall(r"detail_?[tT]ype = '([^']+)'", query.sql()))
    assert named == {"Return Requested", "Return Received", "Refund Issued", "Cancellation Completed"}
    # ... and Return Rejected / Return Closed, whose statuses end a return.
    assert captured == {"Order Updated", *named, "Return Rejected", "Return Closed"}
    for rule in rules.values():
        [target] = rule["Targets"]
        template = target["InputTransformer"]["InputTemplate"]
        assert (
            template == '{"id": "<id>", "detailType": "<detailType>", "time": "<time>", "detail": <detail>}'
        )


@pytest.mark.parametrize("table", STATES, ids=lambda t: t.name)
def test_each_state_table_is_the_parquet_the_compaction_writes(table: StateTable) -> None:
    glue = glue_table(table)
    storage = glue["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == list(table.columns)
    assert glue["PartitionKeys"] == [{"Name": STATE_PARTITION, "Type": "string"}]
    assert storage["Location"]["Fn::Sub"] == f"s3://${{AnalyticsBucket}}/{table.prefix}"
    assert storage["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    parameters = glue["Parameters"]
    assert (
        parameters["storage.location.template"]["Fn::Sub"]
        == f"s3://${{AnalyticsBucket}}/{table.prefix}{STATE_PARTITION}=${{!{STATE_PARTITION}}}/"
    )
    assert parameters[f"projection.{STATE_PARTITION}.format"] == "yyyy-MM-dd"
    # the day bound when there is no state is outside the projection: no partition, no rows
    assert NO_STATE < "2000-01-01"


def test_the_compaction_runs_every_day_after_midnight_utc_and_writes_only_the_state() -> None:
    [schedule] = of_type("AWS::Scheduler::Schedule").values()
    assert schedule["ScheduleExpression"] == "cron(30 0 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["AnalyticsCompactionFunction", "Arn"]}
    role = RESOURCES["AnalyticsCompactionScheduleRole"]["Properties"]
    [policy] = role["Policies"]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert (
        statement["Action"] == "lambda:InvokeFunction" and statement["Resource"] == schedule["Target"]["Arn"]
    )
    function = RESOURCES["AnalyticsCompactionFunction"]["Properties"]
    [policies] = function["Policies"]
    writes = [
        resource["Fn::Sub"]
        for statement in policies["Statement"]
        if {"s3:PutObject", "s3:DeleteObject"} & set(statement["Action"])
        for resource in statement["Resource"]
    ]
    assert sorted(writes) == ["${AnalyticsBucket.Arn}/athena-results/*", "${AnalyticsBucket.Arn}/state/*"]
    assert STATE_MARKER.startswith("state/") and all(t.prefix.startswith("state/") for t in STATES)


def test_the_cs_api_reads_the_state_and_its_marker() -> None:
    cs = RESOURCES["CsApiFunction"]["Properties"]
    assert cs["Environment"]["Variables"]["ANALYTICS_BUCKET"] == {"Ref": "AnalyticsBucket"}
    reads = [
        resource["Fn::Sub"]
        for statement in cs["Policies"][0]["Statement"]
        if statement["Action"] == ["s3:GetObject"]
        for resource in statement["Resource"]
    ]
    assert "${AnalyticsBucket.Arn}/state/*" in reads
