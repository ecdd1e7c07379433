using Amazon.CDK;
using Amazon.CDK.AWS.Chatbot;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;

namespace Remediator.Infra;

/// <summary>
/// The findings topic, encrypted with a customer-managed KMS key: the AWS-managed key (alias/aws/sns) cannot be
/// used by CloudWatch alarms, whose actions publish to this topic too, so the key's policy lets CloudWatch use it.
/// E-mail subscriptions and, optionally, an Amazon Q Developer in chat applications Slack channel.
/// </summary>
public sealed class Notifications : Construct
{
    public Notifications(Construct scope, string id, StackConfig config) : base(scope, id)
    {
        Key = new Key(this, "TopicKey", new KeyProps
        {
            Description = "Remediator findings topic",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        // CloudWatch alarm actions and the chat service read and write messages of this topic.
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowCloudWatchAlarms",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(this).Account } },
        }));
        Topic = new Topic(this, "Findings", new TopicProps
        {
            DisplayName = "Remediator findings",
            MasterKey = Key,
            EnforceSSL = true,
        });
        foreach (var email in config.NotifyEmails)
        {
            Topic.AddSubscription(new EmailSubscription(email));
        }
        if (config.SlackWorkspaceId is { } workspace && config.SlackChannelId is { } channel)
        {
            // Notifications only: the channel's role has no permissions and the guardrail denies everything,
            // so no one can run AWS commands from Slack through this configuration.
            var role = new Role(this, "ChatRole", new RoleProps { AssumedBy = new ServicePrincipal("chatbot.amazonaws.com") });
            new CfnSlackChannelConfiguration(this, "Slack", new CfnSlackChannelConfigurationProps
            {
                ConfigurationName = $"remediator-{Names.UniqueId(this)[..Math.Min(20, Names.UniqueId(this).Length)]}".ToLowerInvariant(),
                IamRoleArn = role.RoleArn,
                SlackWorkspaceId = workspace,
                SlackChannelId = channel,
                SnsTopicArns = [Topic.TopicArn],
                GuardrailPolicies = ["arn:aws:iam::aws:policy/AWSDenyAll"],
                LoggingLevel = "ERROR",
            });
        }
    }

    public Key Key { get; }
    public Topic Topic { get; }
}
