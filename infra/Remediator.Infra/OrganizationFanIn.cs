using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Kinesis;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using ITopic = Amazon.CDK.AWS.SNS.ITopic;
using Policy = Amazon.CDK.AWS.IAM.Policy;
using Amazon.CDK.AWS.SQS;
using Constructs;
using Remediator.Function.Organization;

namespace Remediator.Infra;

/// <summary>
/// The central account's fan-in for an organization: CloudWatch Logs delivers across accounts only to a logs
/// destination backed by Kinesis or Firehose, so member subscriptions go to a destination, the destination to an
/// encrypted on-demand Kinesis stream, and the stream to the same function through an event source mapping with
/// partial batch responses. The function may assume exactly the member repair role, and nothing else in IAM.
/// </summary>
public sealed class OrganizationFanIn : Construct
{
    /// <summary>Batch and retry settings of the event source mapping (docs/deploy-multi-account.md).</summary>
    public const int BatchSize = 100, BatchingWindowSeconds = 5, RetryAttempts = 3, MaxRecordAgeSeconds = 6 * 3600;

    /// <summary>An iterator older than this means the function is falling behind the stream.</summary>
    public const int IteratorAgeAlarmMs = 5 * 60 * 1000;

    public OrganizationFanIn(Construct scope, string id, OrganizationConfig org, StackConfig config, Amazon.CDK.AWS.Lambda.Function function, ITopic alarmTopic) : base(scope, id)
    {
        var stack = Stack.Of(this);
        Key = new Key(this, "StreamKey", new KeyProps
        {
            Description = "Remediator organization fan-in: encrypts the Kinesis stream of member accounts' log events",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        // On demand: no shard count to size or to pay for while the APIs are healthy (only failing lines are sent).
        Stream = new Amazon.CDK.AWS.Kinesis.Stream(this, "Stream", new StreamProps
        {
            StreamMode = StreamMode.ON_DEMAND,
            Encryption = StreamEncryption.KMS,
            EncryptionKey = Key,
            RetentionPeriod = Duration.Hours(24),
        });

        // CloudWatch Logs writes to the stream with this role: on this account's behalf when the destination is created
        // (a test record), then on each sender's. With named accounts, only theirs and ours; for an organization, any
        // account in this region, since which accounts send is the destination policy's business (aws:PrincipalOrgID).
        var sources = org.MemberAccounts.Count > 0
            ? org.MemberAccounts.Append(stack.Account).Select(a => $"arn:{stack.Partition}:logs:{stack.Region}:{a}:*").ToArray()
            : [$"arn:{stack.Partition}:logs:{stack.Region}:*:*"];
        var logsRole = new Role(this, "LogsToStream", new RoleProps
        {
            AssumedBy = new ServicePrincipal("logs.amazonaws.com").WithConditions(new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = sources },
            }),
        });
        var put = new Policy(this, "LogsToStreamPolicy", new PolicyProps
        {
            Roles = [logsRole],
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps { Sid = "PutRecords", Actions = ["kinesis:PutRecord"], Resources = [Stream.StreamArn] }),
                new PolicyStatement(new PolicyStatementProps { Sid = "EncryptRecords", Actions = ["kms:GenerateDataKey"], Resources = [Key.KeyArn] }),
            ],
        });

        // Members may subscribe to the destination (per log group, or with an account-level subscription policy).
        var destinationArn = $"arn:{stack.Partition}:logs:{stack.Region}:{stack.Account}:destination:{OrganizationConfig.DestinationName}";
        var statement = new Dictionary<string, object>
        {
            ["Sid"] = "MemberSubscriptions",
            ["Effect"] = "Allow",
            ["Action"] = new[] { "logs:PutSubscriptionFilter", "logs:PutAccountPolicy" },
            ["Resource"] = destinationArn,
        };
        if (org.OrganizationId is { } orgId)
        {
            statement["Principal"] = "*";
            statement["Condition"] = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:PrincipalOrgID"] = orgId } };
        }
        else
        {
            statement["Principal"] = new Dictionary<string, object> { ["AWS"] = org.MemberAccounts.ToArray() };
        }
        var destination = new CfnDestination(this, "Destination", new CfnDestinationProps
        {
            DestinationName = OrganizationConfig.DestinationName,
            RoleArn = logsRole.RoleArn,
            TargetArn = Stream.StreamArn,
            DestinationPolicy = stack.ToJsonString(new Dictionary<string, object> { ["Version"] = "2012-10-17", ["Statement"] = new[] { statement } }),
        });
        destination.Node.AddDependency(put); // CloudWatch Logs tries the role on the stream when the destination is created
        DestinationArn = destinationArn;

        // Batches that still fail after the retries: the queue receives the shard and sequence range (not the records),
        // which the stream keeps for 24 hours.
        FailedBatches = new Queue(this, "FailedBatches", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            RetentionPeriod = Duration.Days(14),
            EnforceSSL = true,
        });
        // Written out, not AddEventSource(new KinesisEventSource(...)): that grants kinesis:ListStreams on * and SQS
        // reads; the mapping needs only these, on this stream, key and queue.
        var read = new Policy(this, "ReadStream", new PolicyProps
        {
            Roles = [function.Role!],
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ReadFanInStream",
                    Actions = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
                    Resources = [Stream.StreamArn],
                }),
                new PolicyStatement(new PolicyStatementProps { Sid = "DecryptFanInStream", Actions = ["kms:Decrypt"], Resources = [Key.KeyArn] }),
                new PolicyStatement(new PolicyStatementProps { Sid = "FailedBatchesQueue", Actions = ["sqs:SendMessage"], Resources = [FailedBatches.QueueArn] }),
            ],
        });
        Mapping = new CfnEventSourceMapping(this, "Mapping", new CfnEventSourceMappingProps
        {
            FunctionName = function.FunctionName,
            EventSourceArn = Stream.StreamArn,
            StartingPosition = "TRIM_HORIZON", // records put while the mapping was being created are read too
            BatchSize = BatchSize,
            MaximumBatchingWindowInSeconds = BatchingWindowSeconds,
            BisectBatchOnFunctionError = true,
            FunctionResponseTypes = ["ReportBatchItemFailures"],
            MaximumRetryAttempts = RetryAttempts,
            MaximumRecordAgeInSeconds = MaxRecordAgeSeconds,
            DestinationConfig = new CfnEventSourceMapping.DestinationConfigProperty
            {
                OnFailure = new CfnEventSourceMapping.OnFailureProperty { Destination = FailedBatches.QueueArn },
            },
        });
        Mapping.Node.AddDependency(read); // Lambda checks the role can read the stream when the mapping is created

        // Repair in member accounts: the member role by name, in the named accounts or (organization) any account of it.
        if (config.RepairMode != Core.Repair.RepairMode.Off)
        {
            function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "AssumeMemberRepairRole",
                Actions = ["sts:AssumeRole"],
                Resources = org.MemberAccounts.Count > 0
                    ? org.MemberAccounts.Select(a => $"arn:{stack.Partition}:iam::{a}:role/{org.MemberRoleName}").ToArray()
                    : [$"arn:{stack.Partition}:iam::*:role/{org.MemberRoleName}"],
                Conditions = org.MemberAccounts.Count > 0 || org.OrganizationId is null ? null
                    : new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:ResourceOrgID"] = org.OrganizationId } },
            }));
            foreach (var (name, value) in Environment(org))
            {
                function.AddEnvironment(name, value);
            }
        }

        var action = new SnsAction(alarmTopic);
        Alarm("IteratorAgeAlarm", "Remediator is falling behind the organization's log stream (iterator age over 5 minutes): raise its reserved concurrency, or look for errors",
            function.Metric("IteratorAge", new MetricOptions { Period = Duration.Minutes(5), Statistic = "Maximum" }), IteratorAgeAlarmMs);
        Alarm("FailedBatchesAlarm", "Kinesis batches Remediator could not process are in the fan-in's on-failure queue: their records stay in the stream for 24 hours",
            FailedBatches.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = Duration.Minutes(5), Statistic = "Maximum" }), 1);

        new CfnOutput(stack, "DestinationArn", new CfnOutputProps { Value = destinationArn, Description = "Member stacks subscribe their log groups to this destination" });
        new CfnOutput(stack, "FunctionRoleArn", new CfnOutputProps { Value = function.Role!.RoleArn, Description = "Member repair roles trust this role (member stack: centralRoleArn)" });

        void Alarm(string name, string description, IMetric metric, double threshold) =>
            new Alarm(this, name, new AlarmProps
            {
                AlarmDescription = description,
                Metric = metric,
                Threshold = threshold,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            }).AddAlarmAction(action);
    }

    /// <summary>The function's organization options (<see cref="OrganizationOptions"/>), set here and nowhere else.</summary>
    public static Dictionary<string, string> Environment(OrganizationConfig org) => new()
    {
        [OrganizationOptions.MemberRoleNameVariable] = org.MemberRoleName,
        [OrganizationOptions.ExternalIdVariable] = org.ExternalId ?? "",
        [OrganizationOptions.MemberAccountsVariable] = string.Join(',', org.MemberAccounts),
    };

    public Key Key { get; }
    public Amazon.CDK.AWS.Kinesis.Stream Stream { get; }
    public Queue FailedBatches { get; }
    public CfnEventSourceMapping Mapping { get; }
    public string DestinationArn { get; }
}
