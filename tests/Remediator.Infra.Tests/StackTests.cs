using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Remediator.Core.Diagnosis;
using Remediator.Function;
using Remediator.Infra;

namespace Remediator.Infra.Tests;

/// <summary>Template assertions for each context combination: what a security reviewer would check, as tests.</summary>
public class StackTests
{
    private static readonly string CodePath = CreateCode();

    private static string CreateCode()
    {
        var dir = Path.Combine(Path.GetTempPath(), "remediator-infra-tests-code");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "Remediator.Function.dll"), "placeholder for the published function");
        return dir;
    }

    private static JsonElement Synth(params (string Key, object Value)[] context)
    {
        var values = context.ToDictionary(c => c.Key, c => c.Value);
        values["functionCodePath"] = CodePath;
        values["bootstrapCodePath"] = CodePath;
        var app = new App();
        var config = StackConfig.From(k => values.GetValueOrDefault(k));
        var stack = new RemediatorStack(app, "Test", config, new StackProps { Env = new Amazon.CDK.Environment { Account = "123456789012", Region = "eu-west-1" } });
        var json = JsonSerializer.Serialize(Template.FromStack(stack).ToJSON());
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static IEnumerable<JsonElement> Resources(JsonElement template, string type) =>
        template.GetProperty("Resources").EnumerateObject().Select(r => r.Value).Where(r => r.GetProperty("Type").GetString() == type);

    private static IEnumerable<JsonElement> Statements(JsonElement template) =>
        Resources(template, "AWS::IAM::Policy").SelectMany(p => p.GetProperty("Properties").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray());

    private static List<string> Actions(JsonElement statement) =>
        statement.GetProperty("Action").ValueKind == JsonValueKind.Array ? statement.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!).ToList() : [statement.GetProperty("Action").GetString()!];

    private static string Flat(JsonElement e) => e.GetRawText();

    [Fact]
    public void Function_Dotnet10JsonLogsBoundedConcurrencyAndExactlyTheOptionsItReads()
    {
        var t = Synth(("restApis", "abc123defg/prod"), ("notifyEmails", "ops@example.com"));

        var fn = Resources(t, "AWS::Lambda::Function").ShouldHaveSingleItem().GetProperty("Properties");
        fn.GetProperty("Runtime").GetString().ShouldBe("dotnet10");
        fn.GetProperty("Handler").GetString().ShouldBe("Remediator.Function::Remediator.Function.Handler::Handle");
        fn.GetProperty("Architectures")[0].GetString().ShouldBe("arm64");
        fn.GetProperty("LoggingConfig").GetProperty("LogFormat").GetString().ShouldBe("JSON");
        fn.GetProperty("ReservedConcurrentExecutions").GetInt32().ShouldBe(RemediatorStack.ReservedConcurrency);
        fn.GetProperty("MemorySize").GetInt32().ShouldBe(512);
        fn.GetProperty("Timeout").GetInt32().ShouldBeGreaterThan(RemediatorStack.TimeBudgetSeconds);
        var env = fn.GetProperty("Environment").GetProperty("Variables").EnumerateObject().Select(v => v.Name).Order().ToList();
        env.ShouldBe(OptionNames.All.Order().ToList());
        fn.GetProperty("Environment").GetProperty("Variables").GetProperty(OptionNames.RepairMode).GetString().ShouldBe("dry-run");
        Resources(t, "AWS::Logs::LogGroup").ShouldHaveSingleItem().GetProperty("Properties").GetProperty("RetentionInDays").GetInt32().ShouldBe(30);
    }

    [Fact]
    public void NativeAot_ProvidedAl2023BootstrapOnX86()
    {
        var fn = Resources(Synth(("restApis", "abc123defg/prod"), ("nativeAot", "true")), "AWS::Lambda::Function").ShouldHaveSingleItem().GetProperty("Properties");

        fn.GetProperty("Runtime").GetString().ShouldBe("provided.al2023");
        fn.GetProperty("Handler").GetString().ShouldBe("bootstrap");
        fn.GetProperty("Architectures")[0].GetString().ShouldBe("x86_64");
    }

    [Fact]
    public void Deliveries_AsyncRetriesAndAnEncryptedFourteenDayOnFailureQueue()
    {
        var t = Synth(("restApis", "abc123defg/prod"));

        var invoke = Resources(t, "AWS::Lambda::EventInvokeConfig").ShouldHaveSingleItem().GetProperty("Properties");
        invoke.GetProperty("MaximumRetryAttempts").GetInt32().ShouldBe(2);
        Flat(invoke.GetProperty("DestinationConfig").GetProperty("OnFailure")).ShouldContain("FailedDeliveries");
        var queue = Resources(t, "AWS::SQS::Queue").ShouldHaveSingleItem().GetProperty("Properties");
        queue.GetProperty("MessageRetentionPeriod").GetInt32().ShouldBe(14 * 24 * 3600);
        queue.GetProperty("SqsManagedSseEnabled").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public void Subscriptions_OnePerGroupWithThePhraseTablePatternAndOneScopedPermission()
    {
        var t = Synth(("restApis", "abc123defg/prod,zzz999yyyy/beta"), ("accessLogGroups", "/aws/apigateway/http-access"));

        var filters = Resources(t, "AWS::Logs::SubscriptionFilter").Select(f => f.GetProperty("Properties")).ToList();
        filters.Select(f => f.GetProperty("LogGroupName").GetString()).Order().ShouldBe(
            ["/aws/apigateway/http-access", "API-Gateway-Execution-Logs_abc123defg/prod", "API-Gateway-Execution-Logs_zzz999yyyy/beta"]);
        // Execution-log groups: the phrase table's pattern; access-log groups: every 5xx entry (JSON by default).
        // Exactly the core constants, which the tests' deliveries pass through (DeployedDelivery).
        Pattern(filters, "API-Gateway-Execution-Logs_abc123defg/prod").ShouldBe(SubscriptionFilterTerms.Pattern);
        Pattern(filters, "API-Gateway-Execution-Logs_zzz999yyyy/beta").ShouldBe(SubscriptionFilterTerms.Pattern);
        Pattern(filters, "/aws/apigateway/http-access").ShouldBe(AccessLogFilterPatterns.Json);
        foreach (var phrase in DecisivePhrases.Forwarded.Where(p => p != "Method completed with status: "))
        {
            SubscriptionFilterTerms.Terms.ShouldContain(term => phrase.Contains(term, StringComparison.Ordinal), phrase);
        }
        var permission = Resources(t, "AWS::Lambda::Permission").ShouldHaveSingleItem().GetProperty("Properties");
        permission.GetProperty("Principal").GetString().ShouldBe("logs.amazonaws.com");
        Flat(permission.GetProperty("SourceArn")).ShouldContain(":logs:eu-west-1:123456789012:log-group:*");
        permission.GetProperty("SourceAccount").GetString().ShouldBe("123456789012");
    }

    private static string Literals(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Array => string.Concat(e.EnumerateArray().Select(Literals)),
        JsonValueKind.Object => string.Concat(e.EnumerateObject().Select(p => Literals(p.Value))),
        _ => "",
    };

    private static string Pattern(IEnumerable<JsonElement> filters, string group) =>
        filters.Single(f => f.GetProperty("LogGroupName").GetString() == group).GetProperty("FilterPattern").GetString()!;

    [Theory]
    [InlineData("/aws/apigateway/rest-access", "json")]
    [InlineData("/aws/apigateway/rest-access:json", "json")]
    [InlineData("/aws/apigateway/http-access:clf", "clf")]
    [InlineData("API-Gateway-Access_a1b2/prod#1.x:clf", "clf")]
    public void AccessLogGroups_NameWithFormat_OneFilterWithThatFormatsPattern(string entry, string format)
    {
        var t = Synth(("accessLogGroups", entry));

        var filter = Resources(t, "AWS::Logs::SubscriptionFilter").ShouldHaveSingleItem().GetProperty("Properties");
        filter.GetProperty("LogGroupName").GetString().ShouldBe(entry.Split(':')[0]);
        filter.GetProperty("FilterPattern").GetString().ShouldBe(format == "clf" ? AccessLogFilterPatterns.Clf : AccessLogFilterPatterns.Json);
        filter.GetProperty("FilterName").GetString().ShouldBe(LogSubscriptions.FilterName);
    }

    [Fact]
    public void AccessLogGroups_CdkJsonObjects_FormatAndOwnPattern()
    {
        // As cdk.json delivers them through the jsii runtime: JSON texts in a list.
        var t = Synth(("accessLogGroups", new object[]
        {
            """{"name": "/aws/apigateway/a", "format": "clf"}""",
            """{"name": "/aws/apigateway/b", "filterPattern": "{ $.code = 5* }"}""",
            """{"name": "/aws/apigateway/c"}""",
        }));

        var filters = Resources(t, "AWS::Logs::SubscriptionFilter").Select(f => f.GetProperty("Properties")).ToList();
        filters.Count.ShouldBe(3);
        Pattern(filters, "/aws/apigateway/a").ShouldBe(AccessLogFilterPatterns.Clf);
        Pattern(filters, "/aws/apigateway/b").ShouldBe("{ $.code = 5* }");
        Pattern(filters, "/aws/apigateway/c").ShouldBe(AccessLogFilterPatterns.Json);
    }

    [Theory]
    [InlineData("/aws/apigateway/x:xml", "format 'xml' of '/aws/apigateway/x' must be json or clf")]
    [InlineData("my access logs", "'my access logs' is not a log group name")]
    [InlineData("/a:clf:json", "is not a log group name")]
    [InlineData("/aws/apigateway/x,/aws/apigateway/x:clf", "'/aws/apigateway/x' is listed twice")]
    [InlineData("API-Gateway-Execution-Logs_abc123defg/prod", "'API-Gateway-Execution-Logs_abc123defg/prod' is listed twice")]
    public void AccessLogGroups_BadEntry_FailsNamingIt(string value, string message)
    {
        var values = new Dictionary<string, object> { ["restApis"] = "abc123defg/prod", ["accessLogGroups"] = value };

        Should.Throw<ConfigException>(() => StackConfig.From(k => values.GetValueOrDefault(k))).Message.ShouldContain(message);
    }

    [Fact]
    public void AllApis_AccountPolicyThatExcludesOurOwnLogGroup()
    {
        var t = Synth(("allApis", "true"));

        var policy = Resources(t, "AWS::Logs::AccountPolicy").ShouldHaveSingleItem().GetProperty("Properties");
        policy.GetProperty("PolicyType").GetString().ShouldBe("SUBSCRIPTION_FILTER_POLICY");
        policy.GetProperty("Scope").GetString().ShouldBe("ALL");
        Flat(policy.GetProperty("SelectionCriteria")).ShouldContain("LogGroupName NOT IN");
        Flat(policy.GetProperty("SelectionCriteria")).ShouldContain("FunctionLogs");
        // The document is a Fn::Join around the function's ARN: its literal pieces, joined, hold the pattern exactly.
        using var document = JsonDocument.Parse(Literals(policy.GetProperty("PolicyDocument")));
        document.RootElement.GetProperty("FilterPattern").GetString().ShouldBe(SubscriptionFilterTerms.Pattern);
        Resources(t, "AWS::Logs::SubscriptionFilter").ShouldBeEmpty();
    }

    [Fact]
    public void Topic_EncryptedWithAKeyCloudWatchAlarmsMayUse_AndAlarmsPublishToIt()
    {
        var t = Synth(("restApis", "abc123defg/prod"), ("notifyEmails", "ops@example.com,sre@example.com"), ("noDeliveryAlarmHours", "6"));

        Resources(t, "AWS::SNS::Topic").ShouldHaveSingleItem().GetProperty("Properties").TryGetProperty("KmsMasterKeyId", out _).ShouldBeTrue();
        Flat(Resources(t, "AWS::KMS::Key").ShouldHaveSingleItem()).ShouldContain("cloudwatch.amazonaws.com");
        Resources(t, "AWS::SNS::Subscription").Select(s => s.GetProperty("Properties").GetProperty("Endpoint").GetString()).Order().ShouldBe(["ops@example.com", "sre@example.com"]);
        var alarms = Resources(t, "AWS::CloudWatch::Alarm").Select(a => a.GetProperty("Properties")).ToList();
        alarms.Select(a => a.GetProperty("MetricName").GetString()).Order().ShouldBe(["ApproximateNumberOfMessagesVisible", "Errors", "Invocations", "Throttles"]);
        alarms.ShouldAllBe(a => Flat(a.GetProperty("AlarmActions")).Contains("NotificationsFindings"));
        alarms.Single(a => a.GetProperty("MetricName").GetString() == "Invocations").GetProperty("TreatMissingData").GetString().ShouldBe("breaching");
        Statements(t).ShouldContain(s => Actions(s).Contains("kms:GenerateDataKey*"));
    }

    [Fact]
    public void Slack_ChannelConfigurationOnTheTopicThatCanRunNothing()
    {
        var t = Synth(("restApis", "abc123defg/prod"), ("slackWorkspaceId", "T0123456"), ("slackChannelId", "C0123456"));

        var slack = Resources(t, "AWS::Chatbot::SlackChannelConfiguration").ShouldHaveSingleItem().GetProperty("Properties");
        slack.GetProperty("SlackWorkspaceId").GetString().ShouldBe("T0123456");
        Flat(slack.GetProperty("SnsTopicArns")).ShouldContain("NotificationsFindings");
        Flat(slack.GetProperty("GuardrailPolicies")).ShouldContain("AWSDenyAll");
    }

    public static TheoryData<string, string[]> RepairModes => new()
    {
        { "off", [] },
        { "dry-run", ["apigateway:GET", "lambda:GetPolicy", "lambda:ListTags"] },
        { "auto", ["apigateway:GET", "lambda:GetPolicy", "lambda:ListTags", "lambda:AddPermission"] },
    };

    [Theory]
    [MemberData(nameof(RepairModes))]
    public void Iam_ExactlyTheRepairActionsOfTheMode_OnTheConfiguredResourcesOnly(string mode, string[] expected)
    {
        var t = Synth(("restApis", "abc123defg/prod"), ("repairMode", mode), ("repairAllowedFunctions", "arn:aws:lambda:eu-west-1:123456789012:function:books-*"));

        var statements = Statements(t).ToList();
        var repairActions = statements.SelectMany(Actions).Where(a => a.StartsWith("apigateway:", StringComparison.Ordinal) || a.StartsWith("lambda:", StringComparison.Ordinal)).Distinct().Order().ToList();
        repairActions.ShouldBe(expected.Order().ToList());
        foreach (var s in statements.Where(s => Actions(s).Any(a => a.StartsWith("lambda:", StringComparison.Ordinal))))
        {
            Flat(s.GetProperty("Resource")).ShouldNotBe("\"*\"");
            Flat(s.GetProperty("Resource")).ShouldContain("function:books-*");
        }
        foreach (var s in statements.Where(s => Actions(s).Contains("apigateway:GET")))
        {
            // Exactly what the repairer reads (ApiGatewayClient): resources, Lambda authorizers, the stage; v2 likewise.
            foreach (var path in new[] { "/restapis/abc123defg/resources", "/restapis/abc123defg/authorizers", "/restapis/abc123defg/stages/*",
                         "/apis/abc123defg/integrations", "/apis/abc123defg/routes", "/apis/abc123defg/authorizers", "/apis/abc123defg/stages/*" })
            {
                Flat(s.GetProperty("Resource")).ShouldContain(path);
            }
            Flat(s.GetProperty("Resource")).ShouldNotContain("/restapis/*");
        }
        statements.ShouldAllBe(s => Flat(s.GetProperty("Resource")) != "\"*\"" || !Actions(s).Contains("lambda:AddPermission"));
    }

    [Fact]
    public void ResourcePolicies_NoAllowForAWildcardPrincipal_AndEncryptionWhereDataRests()
    {
        var t = Synth(("restApis", "abc123defg/prod"), ("repairMode", "auto"), ("repairAllowedFunctions", "arn:aws:lambda:eu-west-1:123456789012:function:books-*"),
            ("slackWorkspaceId", "T0123456"), ("slackChannelId", "C0123456"), ("notifyEmails", "ops@example.com"));

        var documents = t.GetProperty("Resources").EnumerateObject().Select(r => r.Value)
            .Where(r => r.TryGetProperty("Properties", out var p) && (p.TryGetProperty("PolicyDocument", out _) || p.TryGetProperty("KeyPolicy", out _)))
            .Select(r => r.GetProperty("Properties").TryGetProperty("PolicyDocument", out var d) ? d : r.GetProperty("Properties").GetProperty("KeyPolicy"))
            .Where(d => d.ValueKind == JsonValueKind.Object)
            .ToList();
        documents.Count.ShouldBeGreaterThan(2); // role policy, topic policy, queue policy, key policy
        foreach (var statement in documents.SelectMany(d => d.GetProperty("Statement").EnumerateArray()))
        {
            if (statement.GetProperty("Effect").GetString() != "Allow" || !statement.TryGetProperty("Principal", out var principal))
            {
                continue; // identity policies have no principal; the TLS-only Deny statements may name "*"
            }
            Flat(principal).ShouldNotBe("\"*\"");
            if (principal.TryGetProperty("AWS", out var aws))
            {
                Flat(aws).ShouldNotBe("\"*\"");
            }
        }
        Resources(t, "AWS::SNS::Topic").All(x => x.GetProperty("Properties").TryGetProperty("KmsMasterKeyId", out var k)).ShouldBeTrue();
        Resources(t, "AWS::SQS::Queue").ShouldAllBe(x => x.GetProperty("Properties").GetProperty("SqsManagedSseEnabled").GetBoolean());
        Resources(t, "AWS::KMS::Key").ShouldAllBe(x => x.GetProperty("Properties").GetProperty("EnableKeyRotation").GetBoolean());
        Flat(t).ShouldContain("aws:SecureTransport"); // topic and queue refuse plain HTTP
    }

    [Fact]
    public void ApiGatewayCloudWatchRole_OnlyWhenAskedFor()
    {
        Resources(Synth(("restApis", "abc123defg/prod")), "AWS::ApiGateway::Account").ShouldBeEmpty();

        var t = Synth(("restApis", "abc123defg/prod"), ("apiGatewayCloudWatchRole", "true"));

        Resources(t, "AWS::ApiGateway::Account").ShouldHaveSingleItem();
        Flat(t).ShouldContain("AmazonAPIGatewayPushToCloudWatchLogs");
    }

    [Theory]
    [InlineData("restApis", "abc123defg", "restApis: 'abc123defg' is not apiId/stage")]
    [InlineData("repairMode", "sometimes", "repairMode must be off, dry-run or auto")]
    [InlineData("notifyEmails", "ops.example.com", "notifyEmails: 'ops.example.com' is not an e-mail address")]
    [InlineData("architecture", "riscv", "architecture must be arm64 or x86_64")]
    [InlineData("repairAllowedFunctions", "*", "repairAllowedFunctions: '*' is not a function ARN pattern")]
    [InlineData("cooldownMinutes", "soon", "cooldownMinutes must be a whole number")]
    [InlineData("slackWorkspaceId", "T0123456", "slackWorkspaceId and slackChannelId go together")]
    public void Synth_BadContext_FailsNamingTheKey(string key, string value, string message)
    {
        var values = new Dictionary<string, object> { ["restApis"] = "abc123defg/prod", [key] = value };

        Should.Throw<ConfigException>(() => StackConfig.From(k => values.GetValueOrDefault(k))).Message.ShouldContain(message);
    }

    [Fact]
    public void Synth_NothingToWatch_Fails() =>
        Should.Throw<ConfigException>(() => StackConfig.From(_ => null)).Message.ShouldContain("nothing to watch");
}
