using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SQS;
using Constructs;
using Remediator.Function;

namespace Remediator.Infra;

/// <summary>
/// The whole product in one stack: the function, what feeds it, where its findings go, what keeps failed
/// deliveries, and the alarms that watch it.
/// </summary>
public sealed class RemediatorStack : Stack
{
    /// <summary>Measured (README, Performance): a 1 MB delivery takes 10 ms warm; cold start is the cost. 512 MB buys
    /// CPU for the cold start; 60 s covers SNS retries and repair calls inside the 50 s time budget.</summary>
    public const int MemoryMb = 512, TimeoutSeconds = 60, TimeBudgetSeconds = 50, ReservedConcurrency = 5;

    public RemediatorStack(Construct scope, string id, StackConfig config, IStackProps? props = null) : base(scope, id, props)
    {
        var notifications = new Notifications(this, "Notifications", config);

        var logGroup = new LogGroup(this, "FunctionLogs", new LogGroupProps { RemovalPolicy = RemovalPolicy.DESTROY });
        ((CfnLogGroup)logGroup.Node.DefaultChild!).RetentionInDays = config.LogRetentionDays;

        // Deliveries that fail after Lambda's retries land here, whole: nothing is lost.
        FailedDeliveries = new Queue(this, "FailedDeliveries", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            RetentionPeriod = Duration.Days(14),
            EnforceSSL = true,
        });

        // Our own role, so that CDK adds no AWSLambdaBasicExecutionRole (logs:CreateLogGroup and friends on every log
        // group): the function writes to its own group, which the stack creates, and nowhere else.
        var role = new Role(this, "FunctionRole", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "OwnLogGroup",
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [logGroup.LogGroupArn], // the group's Arn attribute ends in :* and so covers its streams
        }));

        Function = new Amazon.CDK.AWS.Lambda.Function(this, "Function", Props(config, "Remediator: diagnoses API Gateway 5xx from logs, repairs missing invoke permissions, publishes findings",
            role, logGroup, FunctionEnvironment(config, notifications.Topic.TopicArn),
            // Bounded, so that a 5xx storm in every API cannot starve the account's other functions.
            ReservedConcurrency));
        // Publishing to an encrypted topic: sns:Publish on the topic (GrantPublish), and the two KMS actions SNS uses
        // for the publisher (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html), nothing with a wildcard.
        notifications.Topic.GrantPublish(Function);
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "FindingsTopicKey",
            Actions = ["kms:GenerateDataKey", "kms:Decrypt"],
            Resources = [notifications.Key.KeyArn],
        }));
        if (config.SharedState)
        {
            State = new SharedState(this, "SharedState", Function, role);
        }
        // In approve mode the function that reads the logs never writes a policy: the approval page's function does,
        // after a person approved the plan (ApprovalPage).
        foreach (var statement in RepairPolicy.Statements(config, this, writes: config.RepairMode == Core.Repair.RepairMode.Auto))
        {
            Function.AddToRolePolicy(statement);
        }

        // Asynchronous invocation written out rather than through OnFailure = new SqsDestination(...): that grants
        // sqs:GetQueueAttributes and sqs:GetQueueUrl too, and Lambda needs only sqs:SendMessage to deliver a record.
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "OnFailureQueue",
            Actions = ["sqs:SendMessage"],
            Resources = [FailedDeliveries.QueueArn],
        }));
        var invokeConfig = new CfnEventInvokeConfig(this, "AsyncInvoke", new CfnEventInvokeConfigProps
        {
            FunctionName = Function.FunctionName,
            Qualifier = "$LATEST",
            MaximumRetryAttempts = 2,
            MaximumEventAgeInSeconds = (int)Duration.Hours(6).ToSeconds(),
            DestinationConfig = new CfnEventInvokeConfig.DestinationConfigProperty
            {
                OnFailure = new CfnEventInvokeConfig.OnFailureProperty { Destination = FailedDeliveries.QueueArn },
            },
        });
        invokeConfig.Node.AddDependency(role); // Lambda checks the role may send to the queue when the config is written

        if (config.RepairMode == Core.Repair.RepairMode.Approve)
        {
            Approval = new ApprovalPage(this, "Approval", config, Function, role, notifications, State);
        }

        new LogSubscriptions(this, "Subscriptions", config, Function, logGroup);
        new Alarms(this, "Alarms", Function, FailedDeliveries, notifications.Topic, notifications.AlarmTopic);
        if (config.Organization is { } organization)
        {
            // Member accounts' logs through a destination and a Kinesis stream, and repair through their roles.
            FanIn = new OrganizationFanIn(this, "Organization", organization, config, Function, notifications.AlarmTopic);
        }

        if (config.ApiGatewayCloudWatchRole)
        {
            // Account-wide and off by default: API Gateway writes no execution log at all until the account has a
            // CloudWatch role. One AWS::ApiGateway::Account per account and region, or they overwrite each other.
            var apiGatewayRole = new Role(this, "ApiGatewayCloudWatchRole", new RoleProps
            {
                AssumedBy = new ServicePrincipal("apigateway.amazonaws.com"),
                ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("service-role/AmazonAPIGatewayPushToCloudWatchLogs")],
            });
            new Amazon.CDK.AWS.APIGateway.CfnAccount(this, "ApiGatewayAccount", new Amazon.CDK.AWS.APIGateway.CfnAccountProps { CloudWatchRoleArn = apiGatewayRole.RoleArn });
        }

        Topic = notifications.Topic;
        AlarmTopic = notifications.AlarmTopic;
        new CfnOutput(this, "TopicArn", new CfnOutputProps { Value = Topic.TopicArn, Description = "Findings are published here" });
        new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = AlarmTopic.TopicArn, Description = "Remediator's own alarms" });
        new CfnOutput(this, "FailedDeliveriesQueue", new CfnOutputProps { Value = FailedDeliveries.QueueUrl, Description = "Deliveries that could not be processed" });
        new CfnOutput(this, "FunctionName", new CfnOutputProps { Value = Function.FunctionName });
    }

    public Amazon.CDK.AWS.Lambda.Function Function { get; }
    /// <summary>The approval page (repairMode=approve only).</summary>
    public ApprovalPage? Approval { get; }
    public Queue FailedDeliveries { get; }
    public Amazon.CDK.AWS.SNS.Topic Topic { get; }
    public Amazon.CDK.AWS.SNS.Topic AlarmTopic { get; }
    public OrganizationFanIn? FanIn { get; }
    /// <summary>The shared state table; null with <c>sharedState=false</c>.</summary>
    public SharedState? State { get; }

    /// <summary>One of the stack's functions: the same code and runtime, its own role, log group and environment.</summary>
    public static FunctionProps Props(StackConfig config, string description, IRole role, ILogGroup logGroup, Dictionary<string, string> environment, int reservedConcurrency) => new()
    {
        Description = description,
        // CDK 2.160 has no constant for dotnet10. The Native AOT build is the same pipeline in a `bootstrap`
        // executable with our own Runtime API loop, on provided.al2023 (glibc 2.34, which the build checks).
        Runtime = config.NativeAot ? Runtime.PROVIDED_AL2023 : new Runtime("dotnet10", RuntimeFamily.DOTNET_CORE, new LambdaRuntimeProps { SupportsSnapStart = true }),
        Handler = config.NativeAot ? "bootstrap" : "Remediator.Function::Remediator.Function.Handler::Handle",
        Code = Code.FromAsset(config.NativeAot ? config.BootstrapCodePath : config.FunctionCodePath),
        Architecture = config.NativeAot || config.Architecture == "x86_64" ? Architecture.X86_64 : Architecture.ARM_64,
        MemorySize = MemoryMb,
        Timeout = Duration.Seconds(TimeoutSeconds),
        LoggingFormat = LoggingFormat.JSON,
        LogGroup = logGroup,
        Role = role,
        ReservedConcurrentExecutions = reservedConcurrency,
        Environment = environment,
    };

    /// <summary>Exactly the options the function reads (<see cref="OptionNames"/>), set here and nowhere else.</summary>
    public static Dictionary<string, string> FunctionEnvironment(StackConfig config, string topicArn) => new()
    {
        [OptionNames.TopicArn] = topicArn,
        [OptionNames.CooldownMinutes] = config.CooldownMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [OptionNames.MaxDecompressedMb] = "16",
        [OptionNames.LogLevel] = "info",
        [OptionNames.TimeBudgetSeconds] = TimeBudgetSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [OptionNames.RepairMode] = config.RepairMode switch { Core.Repair.RepairMode.Off => "off", Core.Repair.RepairMode.Auto => "auto", Core.Repair.RepairMode.Approve => "approve", _ => "dry-run" },
        [OptionNames.RepairAllowedFunctions] = string.Join(',', config.RepairAllowedFunctions),
        // The scope the role's apigateway:GET covers (RepairPolicy): the named ids, or any API only when opted into.
        [OptionNames.RepairApis] = string.Join(',', config.RepairApiIds),
        [OptionNames.RepairAnyApi] = config.RepairAnyApiInScope ? "true" : "false",
        [OptionNames.MaxRepairs] = "5",
        [OptionNames.AlertMinRequests] = config.AlertMinRequests.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
