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

    /// <summary>cdk.json's feature flags (minimizePolicies among them), so the tests see the statements a deploy sees.</summary>
    internal static readonly Dictionary<string, object> CdkJsonContext = ReadCdkJsonContext();

    private static Dictionary<string, object> ReadCdkJsonContext()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "cdk.json")))
        {
            dir = dir.Parent;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir!.FullName, "cdk.json")));
        return doc.RootElement.GetProperty("context").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Array => (object)p.Value.EnumerateArray().Select(e => e.GetString()!).ToArray(),
            _ => p.Value.ToString(),
        });
    }

    internal static JsonElement Synth(params (string Key, object Value)[] context)
    {
        var values = context.ToDictionary(c => c.Key, c => c.Value);
        values["functionCodePath"] = CodePath;
        values["bootstrapCodePath"] = CodePath;
        var app = new App(new AppProps { Context = CdkJsonContext });
        var config = StackConfig.From(k => values.GetValueOrDefault(k));
        var stack = new RemediatorStack(app, "Test", config, new StackProps { Env = new Amazon.CDK.Environment { Account = "123456789012", Region = "eu-west-1" } });
        var json = JsonSerializer.Serialize(Template.FromStack(stack).ToJSON());
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static IEnumerable<JsonElement> Resources(JsonElement template, string type) =>
        template.GetProperty("Resources").EnumerateObject().Select(r => r.Value).Where(r => r.GetProperty("Type").GetString() == type);

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
        fn.GetProperty("Environment").GetProperty("Variables").GetProperty(OptionNames.AlertMinRequests).GetString().ShouldBe("1");
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
    public void Topics_FindingsEncryptedAndAlarmsApart_EachWithAnExplicitTlsOnlyPolicy()
    {
        var t = Synth(("restApis", "abc123defg/prod"), ("notifyEmails", "ops@example.com,sre@example.com"));

        var topics = t.GetProperty("Resources").EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString() == "AWS::SNS::Topic").ToDictionary(r => r.Name[..^8], r => r.Value.GetProperty("Properties"));
        topics.Keys.Order().ShouldBe(["NotificationsAlarms", "NotificationsFindings"]);
        topics["NotificationsFindings"].TryGetProperty("KmsMasterKeyId", out _).ShouldBeTrue();
        topics["NotificationsAlarms"].TryGetProperty("KmsMasterKeyId", out _).ShouldBeFalse(); // CloudWatch cannot use alias/aws/sns; no key to break
        // The key serves the function only now: no service principal in its policy.
        Flat(Resources(t, "AWS::KMS::Key").ShouldHaveSingleItem()).ShouldNotContain("cloudwatch.amazonaws.com");
        Resources(t, "AWS::SNS::Subscription").Select(s => s.GetProperty("Properties").GetProperty("Endpoint").GetString()).Order()
            .ShouldBe(["ops@example.com", "ops@example.com", "sre@example.com", "sre@example.com"]); // both topics
        // One policy per topic (two on one topic overwrite each other), exactly these statements.
        var policies = Resources(t, "AWS::SNS::TopicPolicy").Select(p => p.GetProperty("Properties")).ToList();
        policies.Count.ShouldBe(2);
        policies.Select(p => TemplateText.Token(p.GetProperty("Topics"))).Order().ShouldBe(["${NotificationsAlarms}", "${NotificationsFindings}"]);
        var statements = policies.SelectMany(p => p.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray()).Select(TemplateText.Statement).Order(StringComparer.Ordinal).ToList();
        const string Actions = "sns:AddPermission,sns:DeleteTopic,sns:GetTopicAttributes,sns:ListSubscriptionsByTopic,sns:Publish,sns:RemovePermission,sns:SetTopicAttributes,sns:Subscribe";
        statements.ShouldBe(new[]
        {
            "Allow sns:Publish by Service:cloudwatch.amazonaws.com on ${NotificationsAlarms} if StringEquals aws:SourceAccount=123456789012",
            $"Deny {Actions} by AWS:* on ${{NotificationsAlarms}} if Bool aws:SecureTransport=false",
            $"Deny {Actions} by AWS:* on ${{NotificationsFindings}} if Bool aws:SecureTransport=false",
        }.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Alarms_FailuresOnTheDeliveryPathOnly_ToTheAlarmTopic()
    {
        var t = Synth(("restApis", "abc123defg/prod"), ("accessLogGroups", "/aws/apigateway/http-access"));

        var alarms = Resources(t, "AWS::CloudWatch::Alarm").Select(a => a.GetProperty("Properties")).ToList();
        var plain = alarms.Where(a => a.TryGetProperty("MetricName", out _)).ToList();
        plain.Select(a => $"{a.GetProperty("Namespace").GetString()}/{a.GetProperty("MetricName").GetString()}").Order().ShouldBe(
            ["AWS/Lambda/AsyncEventsDropped", "AWS/Lambda/DestinationDeliveryFailures", "AWS/Lambda/Errors", "AWS/Lambda/Throttles", "AWS/SNS/NumberOfNotificationsFailed", "AWS/SQS/ApproximateNumberOfMessagesVisible"]);
        // One query per metric over every subscription of ours, whatever the number of groups.
        alarms.Where(a => a.TryGetProperty("Metrics", out _)).Select(a => a.GetProperty("Metrics")[0].GetProperty("Expression").GetString()).Order().ShouldBe(
        [
            "SELECT SUM(DeliveryErrors) FROM \"AWS/Logs\" WHERE FilterName = 'remediator'",
            "SELECT SUM(DeliveryThrottling) FROM \"AWS/Logs\" WHERE FilterName = 'remediator'",
        ]);
        alarms.ShouldAllBe(a => a.GetProperty("Threshold").GetDouble() == 1 && a.GetProperty("TreatMissingData").GetString() == "notBreaching");
        alarms.ShouldAllBe(a => TemplateText.Token(a.GetProperty("AlarmActions")) == "${NotificationsAlarms}");
        TemplateText.Token(plain.Single(a => a.GetProperty("MetricName").GetString() == "NumberOfNotificationsFailed").GetProperty("Dimensions")[0].GetProperty("Value")).ShouldBe("${NotificationsFindings.TopicName}");
        Resources(t, "AWS::Logs::SubscriptionFilter").ShouldAllBe(f => f.GetProperty("Properties").GetProperty("FilterName").GetString() == LogSubscriptions.FilterName);
    }

    [Fact]
    public void Slack_ChannelConfigurationOnTheTopicThatCanRunNothing()
    {
        var t = Synth(("restApis", "abc123defg/prod"), ("slackWorkspaceId", "T0123456"), ("slackChannelId", "C0123456"));

        var slack = Resources(t, "AWS::Chatbot::SlackChannelConfiguration").ShouldHaveSingleItem().GetProperty("Properties");
        slack.GetProperty("SlackWorkspaceId").GetString().ShouldBe("T0123456");
        TemplateText.Token(slack.GetProperty("SnsTopicArns")).ShouldBe("${NotificationsFindings},${NotificationsAlarms}");
        Flat(slack.GetProperty("GuardrailPolicies")).ShouldContain("AWSDenyAll");
        // Unique per stack and region: two deployments of this app (two regions, two stack names) never clash.
        TemplateText.Token(slack.GetProperty("ConfigurationName")).ShouldBe("remediator-eu-west-1-" + """{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}""");
        var trust = TemplateText.TrustLines(t);
        trust.ShouldContain("Allow sts:AssumeRole by Service:chatbot.amazonaws.com on - if StringEquals aws:SourceAccount=123456789012");
        TemplateText.IamLines(t).ShouldNotContain(l => l.Contains("Chat", StringComparison.Ordinal)); // the chat role holds nothing
    }

    private const string Fn = "arn:aws:lambda:eu-west-1:123456789012:function:books-*";
    private static readonly string[] Always =
    [
        "Allow kms:Decrypt,kms:GenerateDataKey on ${NotificationsTopicKey.Arn}",
        "Allow logs:CreateLogStream,logs:PutLogEvents on ${FunctionLogs.Arn}",
        "Allow sns:Publish on ${NotificationsFindings}",
        "Allow sqs:SendMessage on ${FailedDeliveries.Arn}",
        "Allow dynamodb:DeleteItem,dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem on ${SharedStateTable.Arn}", // on by default (SharedStateStackTests)
    ];
    private const string ReadFunctions = $"Allow lambda:GetPolicy,lambda:ListTags on {Fn} | {Fn}:*";
    private const string AddPermission = $"Allow lambda:AddPermission on {Fn} | {Fn}:* if StringEquals lambda:Principal=apigateway.amazonaws.com";

    private static string ReadApis(params string[] ids) => "Allow apigateway:GET on " + string.Join(" | ", ids
        .SelectMany(RepairPolicy.ApiPaths).Select(p => "arn:${AWS::Partition}:apigateway:eu-west-1::" + p).Order(StringComparer.Ordinal));

    /// <summary>Each context combination: every IAM statement of every role, the API scope the function gets.</summary>
    public static TheoryData<string, string[], string, string> IamCombinations => new()
    {
        { "restApis=abc123defg/prod;repairMode=off", [], "", "false" },
        { "restApis=abc123defg/prod", [ReadApis("abc123defg")], "abc123defg", "false" },
        { $"restApis=abc123defg/prod;repairAllowedFunctions={Fn}", [ReadApis("abc123defg"), ReadFunctions], "abc123defg", "false" },
        { $"restApis=abc123defg/prod;repairMode=auto;repairAllowedFunctions={Fn}", [ReadApis("abc123defg"), ReadFunctions, AddPermission], "abc123defg", "false" },
        { $"restApis=abc123defg/prod,zzz999yyyy/beta;repairApis=zzz999yyyy;repairMode=auto;repairAllowedFunctions={Fn}", [ReadApis("zzz999yyyy"), ReadFunctions, AddPermission], "zzz999yyyy", "false" },
        { $"accessLogGroups=/aws/apigateway/a;repairApis=h77pq1x2yz,abc123defg;repairAllowedFunctions={Fn}", [ReadApis("h77pq1x2yz", "abc123defg"), ReadFunctions], "h77pq1x2yz,abc123defg", "false" },
        { "accessLogGroups=/aws/apigateway/a", [], "", "false" },
        { $"allApis=true;repairAllowedFunctions={Fn}", [ReadApis("*"), ReadFunctions], "", "true" }, // dry-run reads any API: it changes nothing
        { "allApis=true;repairMode=off", [], "", "false" },
        { $"allApis=true;repairMode=auto;repairApis=abc123defg;repairAllowedFunctions={Fn}", [ReadApis("abc123defg"), ReadFunctions, AddPermission], "abc123defg", "false" },
        { $"allApis=true;repairMode=auto;repairAnyApi=true;repairAllowedFunctions={Fn}", [ReadApis("*"), ReadFunctions, AddPermission], "", "true" },
        { "restApis=abc123defg/prod;repairMode=auto;repairAllowedFunctions=arn:aws-cn:lambda:cn-north-1:123456789012:function:books-api:live",
            [ReadApis("abc123defg"), "Allow lambda:GetPolicy,lambda:ListTags on arn:aws-cn:lambda:cn-north-1:123456789012:function:books-api:live",
                "Allow lambda:AddPermission on arn:aws-cn:lambda:cn-north-1:123456789012:function:books-api:live if StringEquals lambda:Principal=apigateway.amazonaws.com"], "abc123defg", "false" },
        { "restApis=abc123defg/prod;slackWorkspaceId=T0123456;slackChannelId=C0123456;apiGatewayCloudWatchRole=true;nativeAot=true",
            [ReadApis("abc123defg"), "Managed arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"], "abc123defg", "false" },
    };

    [Theory]
    [MemberData(nameof(IamCombinations))]
    public void Iam_EveryStatementOfEveryRole_ExactlyTheExpectedList(string context, string[] repair, string repairApis, string anyApi)
    {
        var t = Synth([.. context.Split(';').Select(kv => (kv[..kv.IndexOf('=')], (object)kv[(kv.IndexOf('=') + 1)..]))]);

        TemplateText.IamLines(t).ShouldBe(Always.Concat(repair).Order(StringComparer.Ordinal).ToList());
        // The function's scope is what its role may read: the same ids, and "any" only with the * shapes.
        var env = Resources(t, "AWS::Lambda::Function").ShouldHaveSingleItem().GetProperty("Properties").GetProperty("Environment").GetProperty("Variables");
        env.GetProperty(OptionNames.RepairApis).GetString().ShouldBe(repairApis);
        env.GetProperty(OptionNames.RepairAnyApi).GetString().ShouldBe(anyApi);
        var trust = TemplateText.TrustLines(t);
        trust.ShouldContain("Allow sts:AssumeRole by Service:lambda.amazonaws.com on -");
        trust.ShouldAllBe(l => !l.Contains("AWS:", StringComparison.Ordinal)); // only service principals assume our roles
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
        Resources(t, "AWS::SNS::Topic").Count(x => x.GetProperty("Properties").TryGetProperty("KmsMasterKeyId", out _)).ShouldBe(1); // findings; alarms carry no log text
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
    [InlineData("repairMode", "sometimes", "repairMode must be off, dry-run, auto or approve")]
    [InlineData("notifyEmails", "ops.example.com", "notifyEmails: 'ops.example.com' is not an e-mail address")]
    [InlineData("architecture", "riscv", "architecture must be arm64 or x86_64")]
    [InlineData("repairAllowedFunctions", "*", "repairAllowedFunctions: '*' is not a function ARN pattern")]
    [InlineData("repairAllowedFunctions", "arn:aws:lambda:*:*:function:*", "has region '*': it must be literal")]
    [InlineData("repairAllowedFunctions", "arn:*:lambda:eu-west-1:123456789012:function:books", "has partition '*': it must be literal")]
    [InlineData("repairAllowedFunctions", "arn:aws:lambda:eu-west-1:*:function:books", "has account '*': it must be a literal 12-digit account id")]
    [InlineData("repairAllowedFunctions", "arn:aws:lambda:eu-west-?:123456789012:function:books", "has region 'eu-west-?'")]
    [InlineData("repairAllowedFunctions", "arn:aws:lambda:eu-west-1:12345678901?:function:books", "has account '12345678901?'")]
    [InlineData("repairAllowedFunctions", "arn:aws:lambda:eu-west-1:123456789012:*:books", "is not a function ARN pattern")]
    [InlineData("repairApis", "*", "repairApis: '*' is not an API id")]
    [InlineData("repairAnyApi", "yes", "repairAnyApi must be true or false")]
    [InlineData("noDeliveryAlarmHours", "6", "noDeliveryAlarmHours was removed")]
    [InlineData("cooldownMinutes", "soon", "cooldownMinutes must be a whole number")]
    [InlineData("alertMinRequests", "0", "alertMinRequests must be a whole number from 1 to 1000000")]
    [InlineData("slackWorkspaceId", "T0123456", "slackWorkspaceId and slackChannelId go together")]
    public void Synth_BadContext_FailsNamingTheKey(string key, string value, string message)
    {
        var values = new Dictionary<string, object> { ["restApis"] = "abc123defg/prod", [key] = value };

        Should.Throw<ConfigException>(() => StackConfig.From(k => values.GetValueOrDefault(k))).Message.ShouldContain(message);
    }

    [Theory]
    [InlineData("allApis=true;repairMode=auto", "repairMode=auto with allApis changes only APIs you name: set repairApis (API ids), or repairAnyApi=true")]
    [InlineData("accessLogGroups=/aws/apigateway/a;repairMode=auto", "repairMode=auto has no API to repair")]
    [InlineData("restApis=abc123defg/prod;repairApis=abc123defg;repairAnyApi=true", "repairApis and repairAnyApi=true contradict each other")]
    public void Synth_RepairScopeNotNamed_Fails(string context, string message)
    {
        var values = context.Split(';').ToDictionary(kv => kv[..kv.IndexOf('=')], kv => (object)kv[(kv.IndexOf('=') + 1)..]);

        Should.Throw<ConfigException>(() => StackConfig.From(k => values.GetValueOrDefault(k))).Message.ShouldContain(message);
    }

    [Fact]
    public void Synth_NothingToWatch_Fails() =>
        Should.Throw<ConfigException>(() => StackConfig.From(_ => null)).Message.ShouldContain("nothing to watch");

    [Fact]
    public void AlertMinRequests_Context_ReachesTheFunction()
    {
        var t = Synth(("restApis", "abc123defg/prod"), ("alertMinRequests", "5"));

        Resources(t, "AWS::Lambda::Function").ShouldHaveSingleItem().GetProperty("Properties").GetProperty("Environment").GetProperty("Variables")
            .GetProperty(OptionNames.AlertMinRequests).GetString().ShouldBe("5");
    }
}
