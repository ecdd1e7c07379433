using Amazon.CDK;
using Amazon.CDK.AWS.Chatbot;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;

namespace Remediator.Infra;

/// <summary>
/// Two topics with the same subscribers (e-mail and, optionally, an Amazon Q Developer in chat applications Slack
/// channel):
/// <list type="bullet">
/// <item>Findings, encrypted with a customer-managed KMS key: messages carry scrubbed text derived from logs. Only
/// the function publishes to it.</item>
/// <item>Alarms, the stack watching itself. A topic of its own, so that a broken findings key (disabled, scheduled for
/// deletion, a key policy edited) cannot silence the alarm that says publishing fails. Without SSE: CloudWatch alarms
/// cannot publish to a topic under the AWS-managed key, and a second customer-managed key would be a second thing to
/// break; alarm notifications carry our alarm names and descriptions, metric values, account and region, never log
/// text.</item>
/// </list>
/// Each topic has an explicit policy (CDK 2.160 writes none for <c>enforceSSL</c> unless something else adds a
/// statement, so the flag alone protected nothing): deny every action over plain HTTP; on the alarms topic, allow
/// CloudWatch alarms of this account to publish.
/// </summary>
public sealed class Notifications : Construct
{
    /// <summary>Every action an SNS topic policy can name (SNS access policy reference): denied without TLS.</summary>
    public static readonly string[] TopicActions =
    [
        "sns:AddPermission", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:Publish",
        "sns:RemovePermission", "sns:SetTopicAttributes", "sns:Subscribe",
    ];

    public Notifications(Construct scope, string id, StackConfig config) : base(scope, id)
    {
        var stack = Stack.Of(this);
        Key = new Key(this, "TopicKey", new KeyProps
        {
            Description = "Remediator findings topic",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        // enforceSSL stays off: the policies below say it themselves, and the flag would make CDK add a second
        // AWS::SNS::TopicPolicy the moment anything called AddToResourcePolicy (two policies on one topic overwrite
        // each other).
        Topic = new Topic(this, "Findings", new TopicProps { DisplayName = "Remediator findings", MasterKey = Key });
        AlarmTopic = new Topic(this, "Alarms", new TopicProps { DisplayName = "Remediator alarms" });
        TopicPolicy(Topic, "FindingsPolicy");
        var alarmPolicy = TopicPolicy(AlarmTopic, "AlarmsPolicy");
        alarmPolicy.Document.AddStatements(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [AlarmTopic.TopicArn],
            Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account } },
        }));

        foreach (var email in config.NotifyEmails)
        {
            Topic.AddSubscription(new EmailSubscription(email));
            AlarmTopic.AddSubscription(new EmailSubscription(email));
        }
        if (config.SlackWorkspaceId is { } workspace && config.SlackChannelId is { } channel)
        {
            // Notifications only: the channel's role has no permissions and the guardrail denies everything, so no
            // one can run AWS commands from Slack through this configuration. The trust names our account
            // (confused deputy: the service assumes the role only on behalf of a configuration in this account).
            var role = new Role(this, "ChatRole", new RoleProps
            {
                AssumedBy = new ServicePrincipal("chatbot.amazonaws.com", new ServicePrincipalOpts
                {
                    Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account } },
                }),
            });
            new CfnSlackChannelConfiguration(this, "Slack", new CfnSlackChannelConfigurationProps
            {
                // Configuration names are unique per account across regions (the chat service is global): the
                // region and the stack's own id make two deployments of this stack never clash.
                ConfigurationName = Fn.Join("-", ["remediator", stack.Region, Fn.Select(2, Fn.Split("/", stack.StackId))]),
                IamRoleArn = role.RoleArn,
                SlackWorkspaceId = workspace,
                SlackChannelId = channel,
                SnsTopicArns = [Topic.TopicArn, AlarmTopic.TopicArn],
                GuardrailPolicies = [$"arn:{stack.Partition}:iam::aws:policy/AWSDenyAll"],
                LoggingLevel = "ERROR",
            });
        }
    }

    public Key Key { get; }
    /// <summary>Findings: published by the function only.</summary>
    public Topic Topic { get; }
    /// <summary>The stack's own alarms.</summary>
    public Topic AlarmTopic { get; }

    private TopicPolicy TopicPolicy(Topic topic, string id)
    {
        var policy = new TopicPolicy(this, id, new TopicPolicyProps { Topics = [topic] });
        policy.Document.AddStatements(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DenyWithoutTls",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = TopicActions,
            Resources = [topic.TopicArn],
            Conditions = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
        }));
        return policy;
    }
}
