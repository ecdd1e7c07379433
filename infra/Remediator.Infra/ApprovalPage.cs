using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Remediator.Function.Approval;

namespace Remediator.Infra;

/// <summary>
/// repairMode=approve: the page a person approves a planned repair on. A function URL rather than an endpoint of its
/// own: no API Gateway (the service whose permissions may be what is broken) between the person and the repair, IAM
/// auth available as an option, and no extra service to deploy or pay for.
///
/// Two functions from the same code, each with only its own part: the function that reads the logs (untrusted text)
/// plans and signs links (<c>kms:GenerateMac</c>) and can never write a policy; the page's function verifies links
/// (<c>kms:VerifyMac</c>), checks again and adds the one approved statement (<c>lambda:AddPermission</c>, as auto mode
/// would), and never reads a log. The page's address reaches the log function as <c>REMEDIATOR_APPROVAL_URL</c>; the
/// page asks Lambda for its own URL when it plans again.
/// </summary>
public sealed class ApprovalPage : Construct
{
    /// <summary>A person's clicks, not a storm: two at once is plenty, and bounds what the public URL can cost.</summary>
    public const int ReservedConcurrency = 2;

    public ApprovalPage(Construct scope, string id, StackConfig config, Amazon.CDK.AWS.Lambda.Function logFunction, IRole logRole,
        Notifications notifications, SharedState? state) : base(scope, id)
    {
        var stack = Stack.Of(this);
        Key = new Key(this, "LinkKey", new KeyProps
        {
            Description = "Remediator: signs approval links (HMAC)",
            KeySpec = KeySpec.HMAC_256,
            KeyUsage = KeyUsage.GENERATE_VERIFY_MAC,
            RemovalPolicy = RemovalPolicy.DESTROY, // a key that is gone invalidates every link, which is what removal means
            PendingWindow = Duration.Days(7),
        });
        logRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Sid = "ApprovalLinkSign", Actions = ["kms:GenerateMac"], Resources = [Key.KeyArn] }));

        var logGroup = new LogGroup(this, "PageLogs", new LogGroupProps { RemovalPolicy = RemovalPolicy.DESTROY });
        ((CfnLogGroup)logGroup.Node.DefaultChild!).RetentionInDays = config.LogRetentionDays;
        var role = new Role(this, "PageRole", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Sid = "OwnLogGroup", Actions = ["logs:CreateLogStream", "logs:PutLogEvents"], Resources = [logGroup.LogGroupArn] }));
        // A new link when the policy moved, and the check of the link a person clicked.
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Sid = "ApprovalLinkMac", Actions = ["kms:GenerateMac", "kms:VerifyMac"], Resources = [Key.KeyArn] }));

        var environment = RemediatorStack.FunctionEnvironment(config, notifications.Topic.TopicArn);
        environment[ApprovalOptionNames.KeyId] = Key.KeyArn;
        environment[ApprovalOptionNames.TtlMinutes] = config.ApprovalTtlMinutes.ToString(CultureInfo.InvariantCulture);
        environment[ApprovalOptionNames.SourceCidrs] = string.Join(',', config.ApprovalSourceCidrs);
        Function = new Amazon.CDK.AWS.Lambda.Function(this, "PageFunction", RemediatorStack.Props(config,
            "Remediator: the approval page (repairMode=approve): shows a signed plan and applies it when a person approves", role, logGroup, environment, ReservedConcurrency));

        // The follow-up message after an approval goes to the findings topic.
        notifications.Topic.GrantPublish(Function);
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Sid = "FindingsTopicKey", Actions = ["kms:GenerateDataKey", "kms:Decrypt"], Resources = [notifications.Key.KeyArn] }));
        // Everything auto mode checks, and the one write it makes.
        foreach (var statement in RepairPolicy.Statements(config, stack, writes: true))
        {
            role.AddToPolicy(statement);
        }
        if (state is not null)
        {
            // The same repair lock as the log function, so an approval and a delivery never write one policy at once.
            role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Sid = "SharedState", Actions = SharedState.Actions, Resources = [state.Table.TableArn] }));
            Function.AddEnvironment(Remediator.Function.OptionNames.StateTable, state.Table.TableName);
        }

        Url = Function.AddFunctionUrl(new FunctionUrlOptions
        {
            AuthType = config.ApprovalAuthIam ? FunctionUrlAuthType.AWS_IAM : FunctionUrlAuthType.NONE,
        });
        if (!config.ApprovalAuthIam)
        {
            // Function URLs created since October 2025 need lambda:InvokeFunction beside the lambda:InvokeFunctionUrl
            // CDK adds (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html), limited to calls through the URL.
            var invoke = new CfnPermission(this, "InvokeThroughUrl", new CfnPermissionProps
            {
                Action = "lambda:InvokeFunction",
                FunctionName = Function.FunctionArn,
                Principal = "*",
            });
            invoke.AddPropertyOverride("InvokedViaFunctionUrl", true);
        }

        // The page re-plans with a link to itself: it asks Lambda for its own URL (its environment cannot hold it, the
        // URL depending on the function). A policy of its own, so that the function does not depend on it.
        new Policy(this, "OwnUrl", new PolicyProps
        {
            Roles = [role],
            Statements = [new PolicyStatement(new PolicyStatementProps { Sid = "OwnFunctionUrl", Actions = ["lambda:GetFunctionUrlConfig"], Resources = [Function.FunctionArn] })],
        });

        logFunction.AddEnvironment(ApprovalOptionNames.Url, Url.Url);
        logFunction.AddEnvironment(ApprovalOptionNames.KeyId, Key.KeyArn);
        logFunction.AddEnvironment(ApprovalOptionNames.TtlMinutes, config.ApprovalTtlMinutes.ToString(CultureInfo.InvariantCulture));

        new CfnOutput(stack, "ApprovalPageUrl", new CfnOutputProps { Value = Url.Url, Description = "The approval page (links in the messages point here)" });
    }

    public Key Key { get; }

    /// <summary>The page's function: the only one of the stack that may add a statement in approve mode.</summary>
    public Amazon.CDK.AWS.Lambda.Function Function { get; }

    public FunctionUrl Url { get; }
}
