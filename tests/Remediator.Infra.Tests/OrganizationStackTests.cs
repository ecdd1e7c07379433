using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Remediator.Core.Diagnosis;
using Remediator.Function;
using Remediator.Function.Organization;
using Remediator.Infra;

namespace Remediator.Infra.Tests;

/// <summary>
/// The organization's two stacks: the central fan-in (destination, encrypted on-demand stream, event source mapping,
/// alarms, AssumeRole on the member role only) and the member stack (subscriptions to the destination with the
/// central stack's own patterns, and a repair role with exactly its mode's IAM and a conditional trust).
/// </summary>
public class OrganizationStackTests
{
    private const string Central = "123456789012";
    private const string CentralRole = "arn:aws:iam::123456789012:role/Remediator-FunctionRole";
    private const string Org = "o-a1b2c3d4e5";

    private static JsonElement Member(params (string Key, object Value)[] context)
    {
        var values = context.ToDictionary(c => c.Key, c => c.Value);
        var app = new App(new AppProps { Context = StackTests.CdkJsonContext });
        var stack = new MemberStack(app, "Member", MemberConfig.From(k => values.GetValueOrDefault(k)), new StackProps { Synthesizer = MemberStack.StackSetSynthesizer() });
        return JsonDocument.Parse(JsonSerializer.Serialize(Template.FromStack(stack).ToJSON())).RootElement.Clone();
    }

    private static JsonElement Props(JsonElement template, string type) => TemplateText.Resources(template, type).ShouldHaveSingleItem().GetProperty("Properties");

    [Fact]
    public void Central_MemberAccounts_DestinationNamingThemOverAnEncryptedOnDemandStream()
    {
        var t = StackTests.Synth(("restApis", "abc123defg/prod"), ("memberAccounts", "222222222222,333333333333"));

        var stream = Props(t, "AWS::Kinesis::Stream");
        stream.GetProperty("StreamModeDetails").GetProperty("StreamMode").GetString().ShouldBe("ON_DEMAND");
        stream.GetProperty("StreamEncryption").GetProperty("EncryptionType").GetString().ShouldBe("KMS");
        TemplateText.Token(stream.GetProperty("StreamEncryption").GetProperty("KeyId")).ShouldBe("${OrganizationStreamKey.Arn}");
        TemplateText.Resources(t, "AWS::KMS::Key").Select(k => k.GetProperty("Properties")).ShouldAllBe(k => k.GetProperty("EnableKeyRotation").GetBoolean());

        var destination = Props(t, "AWS::Logs::Destination");
        destination.GetProperty("DestinationName").GetString().ShouldBe(OrganizationConfig.DestinationName);
        var policy = TemplateText.Token(destination.GetProperty("DestinationPolicy"));
        policy.ShouldContain("\"AWS\":[\"222222222222\",\"333333333333\"]");
        policy.ShouldContain("\"Action\":[\"logs:PutSubscriptionFilter\",\"logs:PutAccountPolicy\"]");
        policy.ShouldContain(":destination:remediator-fan-in");

        // CloudWatch Logs puts records only for the named accounts' log groups, and may do nothing else.
        TemplateText.TrustLines(t).ShouldContain("Allow sts:AssumeRole by Service:logs.amazonaws.com on - if StringLike aws:SourceArn=" +
            "arn:${AWS::Partition}:logs:eu-west-1:222222222222:*,arn:${AWS::Partition}:logs:eu-west-1:333333333333:*,arn:${AWS::Partition}:logs:eu-west-1:123456789012:*");
        var iam = TemplateText.IamLines(t);
        iam.ShouldContain("Allow kinesis:PutRecord on ${OrganizationStream.Arn}");
        iam.ShouldContain("Allow kms:GenerateDataKey on ${OrganizationStreamKey.Arn}");
    }

    [Fact]
    public void Central_EventSourceMapping_PartialBatchesBisectRetriesAgeAndAnEncryptedOnFailureQueue()
    {
        var t = StackTests.Synth(("restApis", "abc123defg/prod"), ("memberAccounts", "222222222222"));

        var mapping = Props(t, "AWS::Lambda::EventSourceMapping");
        mapping.GetProperty("BatchSize").GetInt32().ShouldBe(100);
        mapping.GetProperty("MaximumBatchingWindowInSeconds").GetInt32().ShouldBe(5);
        mapping.GetProperty("BisectBatchOnFunctionError").GetBoolean().ShouldBeTrue();
        mapping.GetProperty("FunctionResponseTypes")[0].GetString().ShouldBe("ReportBatchItemFailures");
        mapping.GetProperty("MaximumRetryAttempts").GetInt32().ShouldBe(3);
        mapping.GetProperty("MaximumRecordAgeInSeconds").GetInt32().ShouldBe(21600);
        TemplateText.Token(mapping.GetProperty("EventSourceArn")).ShouldBe("${OrganizationStream.Arn}");
        TemplateText.Token(mapping.GetProperty("DestinationConfig").GetProperty("OnFailure").GetProperty("Destination")).ShouldBe("${OrganizationFailedBatches.Arn}");

        var queues = TemplateText.Resources(t, "AWS::SQS::Queue").Select(q => q.GetProperty("Properties")).ToList();
        queues.Count.ShouldBe(2);
        queues.ShouldAllBe(q => q.GetProperty("SqsManagedSseEnabled").GetBoolean());
        var alarms = TemplateText.Resources(t, "AWS::CloudWatch::Alarm").Select(a => a.GetProperty("Properties")).ToList();
        static string? Metric(JsonElement a) => a.TryGetProperty("MetricName", out var m) ? m.GetString() : null;
        alarms.Where(a => Metric(a) == "IteratorAge").ShouldHaveSingleItem().GetProperty("Threshold").GetDouble().ShouldBe(OrganizationFanIn.IteratorAgeAlarmMs);
        alarms.Count(a => Metric(a) == "ApproximateNumberOfMessagesVisible").ShouldBe(2);
    }

    [Fact]
    public void Central_FunctionReadsTheStreamAndAssumesOnlyTheMemberRoles()
    {
        var t = StackTests.Synth(("restApis", "abc123defg/prod"), ("memberAccounts", "222222222222,333333333333"), ("memberExternalId", "remediator-x1"));

        var iam = TemplateText.IamLines(t);
        iam.ShouldContain("Allow sts:AssumeRole on arn:${AWS::Partition}:iam::222222222222:role/remediator-member-repair | arn:${AWS::Partition}:iam::333333333333:role/remediator-member-repair");
        iam.ShouldContain("Allow kinesis:DescribeStream,kinesis:DescribeStreamSummary,kinesis:GetRecords,kinesis:GetShardIterator,kinesis:ListShards on ${OrganizationStream.Arn}");
        iam.ShouldContain("Allow kms:Decrypt on ${OrganizationStreamKey.Arn}");
        iam.ShouldContain("Allow sqs:SendMessage on ${OrganizationFailedBatches.Arn}");
        iam.ShouldAllBe(l => !l.Contains("kinesis:ListStreams") && !l.Contains("sts:AssumeRole on *"));

        var env = Props(t, "AWS::Lambda::Function").GetProperty("Environment").GetProperty("Variables");
        env.EnumerateObject().Select(v => v.Name).Order().ShouldBe(OptionNames.All.Concat(OrganizationOptions.Names).Order());
        env.GetProperty(OrganizationOptions.MemberRoleNameVariable).GetString().ShouldBe(OrganizationConfig.DefaultMemberRoleName);
        env.GetProperty(OrganizationOptions.MemberAccountsVariable).GetString().ShouldBe("222222222222,333333333333");
        env.GetProperty(OrganizationOptions.ExternalIdVariable).GetString().ShouldBe("remediator-x1");
    }

    [Fact]
    public void Central_OrganizationId_DestinationAndAssumeRoleScopedToTheOrganization()
    {
        // No API of its own: the central account may only collect.
        var t = StackTests.Synth(("organizationId", Org));

        var policy = TemplateText.Token(Props(t, "AWS::Logs::Destination").GetProperty("DestinationPolicy"));
        policy.ShouldContain("\"Principal\":\"*\"");
        policy.ShouldContain($"\"aws:PrincipalOrgID\":\"{Org}\"");
        TemplateText.TrustLines(t).ShouldContain("Allow sts:AssumeRole by Service:logs.amazonaws.com on - if StringLike aws:SourceArn=arn:${AWS::Partition}:logs:eu-west-1:*:*");
        TemplateText.IamLines(t).ShouldContain($"Allow sts:AssumeRole on arn:${{AWS::Partition}}:iam::*:role/remediator-member-repair if StringEquals aws:ResourceOrgID={Org}");
        TemplateText.Resources(t, "AWS::Logs::SubscriptionFilter").ShouldBeEmpty();
    }

    [Fact]
    public void Central_RepairOff_NoAssumeRoleAndNoMemberOptions()
    {
        var t = StackTests.Synth(("restApis", "abc123defg/prod"), ("memberAccounts", "222222222222"), ("repairMode", "off"));

        TemplateText.IamLines(t).ShouldAllBe(l => !l.Contains("sts:AssumeRole"));
        Props(t, "AWS::Lambda::Function").GetProperty("Environment").GetProperty("Variables").TryGetProperty(OrganizationOptions.MemberRoleNameVariable, out _).ShouldBeFalse();
    }

    [Fact]
    public void Central_SingleAccount_NoFanInAtAll()
    {
        var t = StackTests.Synth(("restApis", "abc123defg/prod"));

        TemplateText.Resources(t, "AWS::Kinesis::Stream").ShouldBeEmpty();
        TemplateText.Resources(t, "AWS::Logs::Destination").ShouldBeEmpty();
        TemplateText.Resources(t, "AWS::Lambda::EventSourceMapping").ShouldBeEmpty();
    }

    [Fact]
    public void Member_DryRun_SubscriptionsWithTheCentralPatternsAndAReadOnlyRoleTrustingTheCentralFunction()
    {
        var t = Member(("centralRoleArn", CentralRole), ("organizationId", Org), ("restApis", "abc123defg/prod"),
            ("accessLogGroups", "/aws/apigateway/shop-access"), ("repairFunctionNames", "books-*,orders-api"));

        var filters = TemplateText.Resources(t, "AWS::Logs::SubscriptionFilter").Select(f => f.GetProperty("Properties")).ToList();
        filters.Count.ShouldBe(2);
        filters.Select(f => TemplateText.Token(f.GetProperty("DestinationArn"))).Distinct().ShouldHaveSingleItem()
            .ShouldBe("arn:${AWS::Partition}:logs:${AWS::Region}:123456789012:destination:remediator-fan-in");
        filters[0].GetProperty("LogGroupName").GetString().ShouldBe("API-Gateway-Execution-Logs_abc123defg/prod");
        filters[0].GetProperty("FilterPattern").GetString().ShouldBe(SubscriptionFilterTerms.Pattern);
        filters[1].GetProperty("FilterPattern").GetString().ShouldBe(AccessLogFilterPatterns.For(AccessLogFormat.Json));
        filters.Count(f => f.TryGetProperty("RoleArn", out _)).ShouldBe(0); // cross-account: the destination's own role writes

        Props(t, "AWS::IAM::Role").GetProperty("RoleName").GetString().ShouldBe(OrganizationConfig.DefaultMemberRoleName);
        TemplateText.TrustLines(t).ShouldBe([$"Allow sts:AssumeRole by AWS:{CentralRole} on - if StringEquals aws:PrincipalAccount={Central} & StringEquals aws:PrincipalOrgID={Org}"]);
        var fn = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:";
        TemplateText.IamLines(t).ShouldBe(
        [
            "Allow apigateway:GET on " + string.Join(" | ", RepairPolicy.ApiPaths("abc123defg").Select(p => "arn:${AWS::Partition}:apigateway:${AWS::Region}::" + p).Order(StringComparer.Ordinal)),
            $"Allow lambda:GetPolicy,lambda:ListTags on {fn}books-* | {fn}books-*:* | {fn}orders-api | {fn}orders-api:*",
        ]);
    }

    [Fact]
    public void Member_Auto_AddPermissionOnlyOnTheAllowListedFunctionsForApiGatewayWithTheExternalId()
    {
        var t = Member(("centralRoleArn", CentralRole), ("memberExternalId", "remediator-x1"), ("restApis", "abc123defg/prod"),
            ("repairMode", "auto"), ("repairFunctionNames", "orders-api"));

        TemplateText.TrustLines(t).ShouldBe([$"Allow sts:AssumeRole by AWS:{CentralRole} on - if StringEquals aws:PrincipalAccount={Central} & StringEquals sts:ExternalId=remediator-x1"]);
        var fn = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders-api";
        TemplateText.IamLines(t).ShouldContain($"Allow lambda:AddPermission on {fn} | {fn}:* if StringEquals lambda:Principal=apigateway.amazonaws.com");
        TemplateText.IamLines(t).Count.ShouldBe(3);
    }

    [Fact]
    public void Member_Template_DeploysByStackSets()
    {
        var t = Member(("centralRoleArn", CentralRole), ("organizationId", Org), ("allApis", "true"), ("repairMode", "off"));

        // No asset, no bootstrap-version parameter or rule, no lookup: the same template in every account.
        t.TryGetProperty("Parameters", out _).ShouldBeFalse();
        t.TryGetProperty("Rules", out _).ShouldBeFalse();
        t.GetRawText().ShouldNotContain("123456789012:role/cdk-");
        TemplateText.Resources(t, "AWS::IAM::Role").ShouldBeEmpty(); // repair off: no role at all
        var policy = Props(t, "AWS::Logs::AccountPolicy");
        TemplateText.Token(policy.GetProperty("PolicyDocument")).ShouldContain(":destination:remediator-fan-in");
    }

    [Theory]
    [InlineData("", "centralRoleArn is required")]
    [InlineData("centralRoleArn=arn:aws:iam::123456789012:role/x", "needs organizationId")]
    [InlineData("centralRoleArn=arn:aws:iam::123456789012:role/x;organizationId=o-a1b2c3d4e5;repairMode=auto", "needs repairFunctionNames")]
    [InlineData("centralRoleArn=arn:aws:iam::123456789012:role/x;organizationId=o-a1b2c3d4e5;repairFunctionNames=*", "a bare * is refused")]
    [InlineData("centralRoleArn=arn:aws:iam::1234:role/x;organizationId=o-a1b2c3d4e5", "is not a role ARN")]
    public void Member_BadContext_FailsNamingTheKey(string context, string message)
    {
        var values = context.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => (object)p[1]);
        values["restApis"] = "abc123defg/prod";
        Should.Throw<ConfigException>(() => MemberConfig.From(k => values.GetValueOrDefault(k))).Message.ShouldContain(message);
    }

    [Theory]
    [InlineData("memberAccounts", "2222", "not a 12-digit account id")]
    [InlineData("organizationId", "org-1", "not an organization id")]
    public void Central_BadContext_FailsNamingTheKey(string key, string value, string message) =>
        Should.Throw<ConfigException>(() => StackConfig.From(k => k == key ? value : k == "restApis" ? "abc123defg/prod" : null)).Message.ShouldContain(message);
}
