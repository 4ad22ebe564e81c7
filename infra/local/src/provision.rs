//! Creates, on the local AWS endpoint (moto), the tables, bucket and keys that `template.yaml`
//! defines, from their resource definitions, and records their physical names and ARNs.

use crate::template::{Physical, Template};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use serde_yaml::Value;

fn list(v: &Value, key: &str) -> Vec<Value> {
    v.get(key)
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn key_schema(v: &Value) -> Result<Vec<KeySchemaElement>> {
    list(v, "KeySchema")
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(text(k, "AttributeName"))
                .key_type(KeyType::from(text(k, "KeyType")))
                .build()
                .context("key schema")
        })
        .collect()
}

/// Creates the template's tables, buckets and keys (a table or bucket that exists already is
/// reused): their names, ARNs and stream ARNs, as `!Ref` and `!GetAtt` resolve them.
pub async fn provision(
    sdk: &aws_config::SdkConfig,
    template: &Template,
    stage: &str,
) -> Result<Physical> {
    let mut physical = Physical::default();
    let dynamo = aws_sdk_dynamodb::Client::new(sdk);
    for (id, props) in template.resources_of("AWS::DynamoDB::Table") {
        table(&dynamo, stage, id, &props, &mut physical).await?;
    }
    let s3 = aws_sdk_s3::Client::new(sdk);
    for (id, _) in template.resources_of("AWS::S3::Bucket") {
        bucket(&s3, sdk, stage, id, &mut physical).await?;
    }
    let kms = aws_sdk_kms::Client::new(sdk);
    for (id, props) in template.resources_of("AWS::KMS::Key") {
        key(&kms, stage, id, &props, &mut physical).await?;
    }
    for (id, _) in template.resources_of("AWS::SQS::Queue") {
        queue(sdk, stage, id, &mut physical).await?;
    }
    Ok(physical)
}

/// A queue (the stream's on-failure destination): `!Ref` its URL, `!GetAtt` its ARN and name.
async fn queue(
    sdk: &aws_config::SdkConfig,
    stage: &str,
    id: String,
    physical: &mut Physical,
) -> Result<()> {
    let endpoint = sdk
        .endpoint_url()
        .ok_or_else(|| anyhow::anyhow!("no local endpoint for the queues"))?;
    let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let name = format!("cazier-{stage}-{id}");
    let queue = crate::sqs::Queue::create(endpoint, &region, &name)
        .await
        .with_context(|| format!("creating queue {name}"))?;
    physical.attributes.insert(
        (id.clone(), "Arn".into()),
        format!("arn:aws:sqs:{region}:{}:{name}", crate::LOCAL_ACCOUNT_ID),
    );
    physical
        .attributes
        .insert((id.clone(), "QueueName".into()), name);
    physical.refs.insert(id, queue.url);
    Ok(())
}

async fn table(
    dynamo: &aws_sdk_dynamodb::Client,
    stage: &str,
    id: String,
    props: &Value,
    physical: &mut Physical,
) -> Result<()> {
    let name = format!("cazier-{stage}-{id}");
    let mut create = dynamo
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(props)?));
    for a in list(props, "AttributeDefinitions") {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(&a, "AttributeName"))
                .attribute_type(ScalarAttributeType::from(text(&a, "AttributeType")))
                .build()?,
        );
    }
    for g in list(props, "GlobalSecondaryIndexes") {
        let projection = g.get("Projection").cloned().unwrap_or(Value::Null);
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(&g, "IndexName"))
                .set_key_schema(Some(key_schema(&g)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(text(&projection, "ProjectionType")))
                        .build(),
                )
                .build()?,
        );
    }
    if let Some(stream) = props.get("StreamSpecification") {
        create = create.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(text(stream, "StreamViewType")))
                .build()?,
        );
    }
    let description = match create.send().await {
        Ok(out) => out.table_description,
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            dynamo
                .describe_table()
                .table_name(&name)
                .send()
                .await?
                .table
        }
        Err(e) => {
            return Err(anyhow::anyhow!(
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            ))
            .with_context(|| format!("creating table {name}"))
        }
    }
    .context("no table description")?;
    if let Some(ttl) = props.get("TimeToLiveSpecification") {
        dynamo
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(text(ttl, "AttributeName"))
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await
            .ok(); // already set on a reused table
    }
    if let Some(arn) = description.table_arn {
        physical.attributes.insert((id.clone(), "Arn".into()), arn);
    }
    if let Some(arn) = description.latest_stream_arn {
        physical
            .attributes
            .insert((id.clone(), "StreamArn".into()), arn);
    }
    physical.refs.insert(id, name);
    Ok(())
}

async fn bucket(
    s3: &aws_sdk_s3::Client,
    sdk: &aws_config::SdkConfig,
    stage: &str,
    id: String,
    physical: &mut Physical,
) -> Result<()> {
    let name = format!("cazier-{stage}-{}", id.to_ascii_lowercase());
    let mut create = s3.create_bucket().bucket(&name);
    let region = sdk
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_default();
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    region.as_str(),
                ))
                .build(),
        );
    }
    if let Err(e) = create.send().await {
        let owned = e
            .as_service_error()
            .is_some_and(|e| e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists());
        if !owned {
            return Err(anyhow::anyhow!(aws_sdk_s3::error::DisplayErrorContext(e)))
                .with_context(|| format!("creating bucket {name}"));
        }
    }
    physical
        .attributes
        .insert((id.clone(), "Arn".into()), format!("arn:aws:s3:::{name}"));
    physical.refs.insert(id, name);
    Ok(())
}

async fn key(
    kms: &aws_sdk_kms::Client,
    stage: &str,
    id: String,
    props: &Value,
    physical: &mut Physical,
) -> Result<()> {
    let mut create = kms
        .create_key()
        .description(format!("cazier-{stage} {id}"))
        .key_usage(KeyUsageType::from(match text(props, "KeyUsage") {
            "" => "ENCRYPT_DECRYPT",
            usage => usage,
        }));
    if let Some(spec) = props.get("KeySpec").and_then(Value::as_str) {
        create = create.key_spec(KeySpec::from(spec));
    }
    let meta = create
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(aws_sdk_kms::error::DisplayErrorContext(e)))
        .with_context(|| format!("creating KMS key {id}"))?
        .key_metadata
        .context("no key metadata")?;
    if let Some(arn) = meta.arn {
        physical.attributes.insert((id.clone(), "Arn".into()), arn);
    }
    physical.refs.insert(id, meta.key_id);
    Ok(())
}
