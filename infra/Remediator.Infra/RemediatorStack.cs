using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.Destinations;
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

        Function = new Amazon.CDK.AWS.Lambda.Function(this, "Function", new FunctionProps
        {
            Description = "Remediator: diagnoses API Gateway 5xx from logs, repairs missing invoke permissions, publishes findings",
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
            // Bounded, so that a 5xx storm in every API cannot starve the account's other functions.
            ReservedConcurrentExecutions = ReservedConcurrency,
            RetryAttempts = 2,
            MaxEventAge = Duration.Hours(6),
            OnFailure = new SqsDestination(FailedDeliveries),
            Environment = FunctionEnvironment(config, notifications.Topic.TopicArn),
        });
        notifications.Topic.GrantPublish(Function);
        // Publishing to an encrypted topic needs the key too (GrantPublish does not add it in this CDK version).
        notifications.Key.Grant(Function, "kms:GenerateDataKey*", "kms:Decrypt");
        foreach (var statement in RepairPolicy.Statements(config, this))
        {
            Function.AddToRolePolicy(statement);
        }

        new LogSubscriptions(this, "Subscriptions", config, Function, logGroup);
        new Alarms(this, "Alarms", config, Function, FailedDeliveries, notifications.Topic);

        if (config.ApiGatewayCloudWatchRole)
        {
            // Account-wide and off by default: API Gateway writes no execution log at all until the account has a
            // CloudWatch role. One AWS::ApiGateway::Account per account and region, or they overwrite each other.
            var role = new Role(this, "ApiGatewayCloudWatchRole", new RoleProps
            {
                AssumedBy = new ServicePrincipal("apigateway.amazonaws.com"),
                ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("service-role/AmazonAPIGatewayPushToCloudWatchLogs")],
            });
            new Amazon.CDK.AWS.APIGateway.CfnAccount(this, "ApiGatewayAccount", new Amazon.CDK.AWS.APIGateway.CfnAccountProps { CloudWatchRoleArn = role.RoleArn });
        }

        Topic = notifications.Topic;
        new CfnOutput(this, "TopicArn", new CfnOutputProps { Value = Topic.TopicArn, Description = "Findings are published here" });
        new CfnOutput(this, "FailedDeliveriesQueue", new CfnOutputProps { Value = FailedDeliveries.QueueUrl, Description = "Deliveries that could not be processed" });
        new CfnOutput(this, "FunctionName", new CfnOutputProps { Value = Function.FunctionName });
    }

    public Amazon.CDK.AWS.Lambda.Function Function { get; }
    public Queue FailedDeliveries { get; }
    public Amazon.CDK.AWS.SNS.Topic Topic { get; }

    /// <summary>Exactly the options the function reads (<see cref="OptionNames"/>), set here and nowhere else.</summary>
    public static Dictionary<string, string> FunctionEnvironment(StackConfig config, string topicArn) => new()
    {
        [OptionNames.TopicArn] = topicArn,
        [OptionNames.CooldownMinutes] = config.CooldownMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [OptionNames.MaxDecompressedMb] = "16",
        [OptionNames.LogLevel] = "info",
        [OptionNames.TimeBudgetSeconds] = TimeBudgetSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [OptionNames.RepairMode] = config.RepairMode switch { Core.Repair.RepairMode.Off => "off", Core.Repair.RepairMode.Auto => "auto", _ => "dry-run" },
        [OptionNames.RepairAllowedFunctions] = string.Join(',', config.RepairAllowedFunctions),
        [OptionNames.RepairApis] = string.Join(',', config.RepairApis),
        [OptionNames.MaxRepairs] = "5",
    };
}
