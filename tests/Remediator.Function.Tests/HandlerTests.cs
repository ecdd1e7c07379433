using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Function.Aws;
using Remediator.Function.Pipeline;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>The handler end to end: real gzip+base64 deliveries in, signed SNS Query requests out to a local endpoint.</summary>
public sealed class HandlerTests : IDisposable
{
    private readonly FakeSns _sns = new();
    private readonly StringWriter _stdout = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 5, 1, 13, 5, 0, TimeSpan.Zero));

    public void Dispose() => _sns.Dispose();

    private Handler NewHandler(params (string, string)[] env) =>
        new(Composition.Pipeline(TestEnvironment.Env(_sns, env), TimeProvider.System, _stdout, credentials: new StaticCredentials()));

    private static async Task<JsonElement> Invoke(Handler handler, byte[] delivery)
    {
        using var output = await handler.Handle(new MemoryStream(delivery));
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [Fact]
    public async Task Handle_PermissionDelivery_PublishesOneSignedMessage()
    {
        var result = await Invoke(NewHandler(), TestEnvironment.Deployed("causes/missing_invoke_permission__execution.log"));

        result.GetProperty("published").GetInt32().ShouldBe(1);
        var publish = _sns.Publishes.ShouldHaveSingleItem();
        publish.Signature.Valid.ShouldBeTrue(publish.Signature.Detail);
        publish.Signature.Service.ShouldBe("sns");
        publish.Signature.Region.ShouldBe("us-east-1");
        publish.Signature.AccessKey.ShouldBe(FakeSns.AccessKey);
        publish.Signature.SignedHeaders.ShouldContain("x-amz-security-token");
        publish.Signature.SignedHeaders.ShouldContain("host");
        publish.Signature.SignedHeaders.ShouldContain("x-amz-date");
        publish.Headers["x-amz-security-token"].ShouldBe(FakeSns.SessionToken);
        publish.Headers["content-type"].ShouldStartWith("application/x-www-form-urlencoded");

        var form = publish.Form;
        form["Version"].ShouldBe("2010-03-31");
        form["TopicArn"].ShouldBe(TestEnvironment.TopicArn);
        form["MessageStructure"].ShouldBe("json");
        // Route "-": the deployed filter forwards only the decisive lines, not "HTTP Method: GET, Resource Path: ..."
        // (DeployedFixtureTests.Losses); with repair off nothing reads the route from API Gateway.
        form["Subject"].ShouldBe("[Remediator] 500 missing_invoke_permission a1b2c3d4e5/prod - x1");
        using var message = JsonDocument.Parse(form["Message"]);
        message.RootElement.GetProperty("https").GetString()!.ShouldContain("\"source\":\"custom\"");
        message.RootElement.GetProperty("email").GetString()!.ShouldContain("aws lambda add-permission");
        var machine = RepairHarness.Findings(form["Message"]).ShouldHaveSingleItem();
        machine.GetProperty("finding").GetProperty("cause").GetString().ShouldBe("missing_invoke_permission");
        // A digest: the list attributes are String.Array, which SNS filter policies match on any element.
        Attributes(form).ShouldBe(new Dictionary<string, string>
        {
            ["cause"] = "String.Array:[\"missing_invoke_permission\"]",
            ["severity"] = "String:critical",
            ["findingId"] = $"String.Array:[\"{machine.GetProperty("findingId").GetString()}\"]",
            ["apiId"] = "String:a1b2c3d4e5",
            ["stage"] = "String:prod",
            ["status"] = "Number:500",
        });
    }

    [Fact]
    public async Task Handle_ThrottledThenSuccess_RetriesAndPublishes()
    {
        _sns.Faults.Enqueue((400, "Throttling"));
        _sns.Faults.Enqueue((500, "InternalError"));

        var result = await Invoke(NewHandler(), TestEnvironment.Deployed("causes/throttled__execution.log"));

        result.GetProperty("published").GetInt32().ShouldBe(1);
        _sns.Requests.Count.ShouldBe(3);
        _sns.Publishes.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Handle_SnsDownThroughout_InvocationFailsAndSaysWhich()
    {
        _sns.Down = true;
        var handler = new Handler(new DeliveryPipeline(
            FunctionOptions.Load(TestEnvironment.Env(_sns, ("REMEDIATOR_TIME_BUDGET_SECONDS", "5"))),
            Composition.Sns(TestEnvironment.TopicArn, TestEnvironment.Env(_sns), TimeProvider.System, credentials: new StaticCredentials(),
                retry: new RetryPolicy(MaxAttempts: 3, BaseDelay: TimeSpan.FromMilliseconds(5))),
            TimeProvider.System, new Observability.JsonLog(_stdout, LogLevel.Info, TimeProvider.System)));

        var e = await Should.ThrowAsync<PublishFailedException>(() => handler.Handle(new MemoryStream(TestEnvironment.Deployed("causes/throttled__execution.log"))));

        e.Message.ShouldContain("1 of 1 message(s) not published");
        e.Message.ShouldContain("SNS Publish at http://127.0.0.1");
        e.Message.ShouldContain("after 3 attempt(s)");
        _sns.Requests.Count.ShouldBe(3);
        _stdout.ToString().ShouldContain("\"PublishFailures\":1");
    }

    [Fact]
    public async Task Handle_ControlMessage_ReturnsAtOnceWithoutPublishing()
    {
        var control = """{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1714568720000,"message":"CWL CONTROL MESSAGE: Checking health of destination Lambda."}]}""";

        var result = await Invoke(NewHandler(), SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes(control)));

        result.GetProperty("control").GetBoolean().ShouldBeTrue();
        _sns.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("{\"awslogs\":{\"data\":\"@@@not base64!!\"}}", "not valid base64")]
    [InlineData("{\"hello\":\"world\"}", "not a CloudWatch Logs subscription delivery")]
    [InlineData("", "not a CloudWatch Logs subscription delivery")]
    public async Task Handle_UndecodableDelivery_FailsWithReasonAndLogsOneLine(string payload, string reason)
    {
        var e = await Should.ThrowAsync<UndecodableDeliveryException>(() => NewHandler().Handle(new MemoryStream(Encoding.UTF8.GetBytes(payload))));

        e.Message.ShouldContain(reason);
        var lines = _stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Count(l => l.Contains("undecodable delivery")).ShouldBe(1);
        lines.ShouldContain(l => l.Contains("\"DecodeFailures\":1"));
        _sns.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_GzipBomb_RefusedAtTheConfiguredCap()
    {
        // Unfiltered on purpose: the cap guards against a forged invocation, not against what CloudWatch sends.
        var events = Enumerable.Range(0, 60_000).Select(i => (1_714_568_720_000L + i, $"({Guid.Empty}) Method request headers: {{{new string('a', 200)}}}"));
        var bomb = SubscriptionPayload.Encode(TestEnvironment.Group, events);

        var e = await Should.ThrowAsync<UndecodableDeliveryException>(() =>
            NewHandler(("REMEDIATOR_MAX_DECOMPRESSED_MB", "1")).Handle(new MemoryStream(bomb)));

        bomb.Length.ShouldBeLessThan(1024 * 1024);
        e.Message.ShouldContain("larger than the 1 MB cap");
    }

    [Fact]
    public async Task Handle_LinesOfSeveralApis_OneMessagePerApi()
    {
        var a = TestEnvironment.Deployed("causes/missing_invoke_permission__execution.log");
        var lines = Encoding.UTF8.GetString(a);
        var handler = NewHandler();

        await handler.Handle(new MemoryStream(a));
        await handler.Handle(new MemoryStream(TestEnvironment.Deployed("causes/missing_invoke_permission__execution.log", "API-Gateway-Execution-Logs_zzzzzzzzzz/beta",
            l => l.Replace("a1b2c3d4e5", "zzzzzzzzzz", StringComparison.Ordinal).Replace("/prod/", "/beta/", StringComparison.Ordinal))));

        _sns.Publishes.Select(p => p.Form["Subject"]).Order().ShouldBe([
            "[Remediator] 500 missing_invoke_permission a1b2c3d4e5/prod - x1", // the API and stage come from the log group
            "[Remediator] 500 missing_invoke_permission zzzzzzzzzz/beta - x1",
        ]);
    }

    [Fact]
    public async Task Handle_SameFindingWithinCooldown_CountedNotResentThenReportedAfterIt()
    {
        var handler = new Handler(Composition.Pipeline(TestEnvironment.Env(_sns), _time, _stdout, credentials: new StaticCredentials()));
        var delivery = TestEnvironment.Deployed("mixed/same-cause-many.log");

        await Invoke(handler, delivery);
        _time.Advance(TimeSpan.FromMinutes(5));
        var second = await Invoke(handler, delivery);
        _time.Advance(TimeSpan.FromMinutes(11));
        var third = await Invoke(handler, delivery);

        second.GetProperty("suppressed").GetInt32().ShouldBe(1);
        third.GetProperty("published").GetInt32().ShouldBe(1);
        var publishes = _sns.Publishes.ToList();
        publishes.Count.ShouldBe(2);
        using var message = JsonDocument.Parse(publishes[1].Form["Message"]);
        var email = message.RootElement.GetProperty("email").GetString()!;
        email.ShouldContain("12 failed request(s) from ");
        email.ShouldContain("12 more held back since the last alert at 2024-05-01T13:05:00.000Z");
        email.ShouldNotContain("in this delivery");
    }

    [Fact]
    public async Task Handle_Always_WritesPureJsonEmfAndLogLines()
    {
        await Invoke(NewHandler(), TestEnvironment.Deployed("mixed/interleaved.log"));

        var lines = _stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBeGreaterThan(8);
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line); // every line is one JSON object, nothing around it
            doc.RootElement.ValueKind.ShouldBe(JsonValueKind.Object);
        }
        var totals = lines.Select(l => JsonDocument.Parse(l).RootElement).Single(e => e.TryGetProperty("_aws", out _) && e.TryGetProperty("Deliveries", out _));
        totals.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Namespace").GetString().ShouldBe("Remediator");
        totals.GetProperty("FailedRequests").GetInt32().ShouldBe(8);
        totals.GetProperty("MessagesPublished").GetInt32().ShouldBe(1); // one digest: eight findings of one API and stage
        totals.GetProperty("FindingsBelowThreshold").GetInt32().ShouldBe(0);
        lines.Count(l => l.Contains("\"Cause\":")).ShouldBe(8);
        lines.Count(l => l.Contains("\"digest published\"")).ShouldBe(1);
    }

    private static Dictionary<string, string> Attributes(Dictionary<string, string> form)
    {
        var result = new Dictionary<string, string>();
        for (var i = 1; form.ContainsKey($"MessageAttributes.entry.{i}.Name"); i++)
        {
            result[form[$"MessageAttributes.entry.{i}.Name"]] = form[$"MessageAttributes.entry.{i}.Value.DataType"] + ":" + form[$"MessageAttributes.entry.{i}.Value.StringValue"];
        }
        return result;
    }
}

/// <summary>An account-wide subscription delivers from any log group: only API Gateway's lines are diagnosed.</summary>
public sealed class ForeignLogGroupTests : IDisposable
{
    private readonly FakeSns _sns = new();

    public void Dispose() => _sns.Dispose();

    [Fact]
    public async Task Handle_LambdaLogGroupWithATimeoutLine_Ignored()
    {
        var handler = new Handler(Composition.Pipeline(TestEnvironment.Env(_sns), TimeProvider.System, TextWriter.Null, credentials: new StaticCredentials()));
        // Only allApis subscribes a function's log group: its account policy uses the phrase pattern, which passes this line.
        var foreign = DeployedDelivery.EncodeWithPattern(SubscriptionFilterTerms.Pattern, "/aws/lambda/some-worker", [(1_714_568_720_000, "2024-05-01T13:05:20.000Z 8e2c9af7-0df7-43f4-81d0-da6a2def7f70 Task timed out after 3.00 seconds")]);

        using var output = await handler.Handle(new MemoryStream(foreign));

        JsonDocument.Parse(output).RootElement.GetProperty("failedRequests").GetInt32().ShouldBe(0);
        _sns.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_AccessLogInAnyGroup_Diagnosed()
    {
        var handler = new Handler(Composition.Pipeline(TestEnvironment.Env(_sns), TimeProvider.System, TextWriter.Null, credentials: new StaticCredentials()));
        var line = """{"requestId":"r1","status":"502","integrationErrorMessage":"Lambda Customer Function Error:boom","routeKey":"GET /x"}""";

        // Through both patterns that can subscribe such a group: the account policy's phrases, and accessLogGroups' 5xx JSON pattern.
        var viaPolicy = DeployedDelivery.EncodeWithPattern(SubscriptionFilterTerms.Pattern, "my-team/http-access", [(1_714_568_720_000, line)]);
        DeployedDelivery.Forwarded("my-team/http-access", [line]).ShouldBe([line]);

        using var output = await handler.Handle(new MemoryStream(viaPolicy));

        JsonDocument.Parse(output).RootElement.GetProperty("failedRequests").GetInt32().ShouldBe(1);
        _sns.Publishes.ShouldHaveSingleItem();
    }
}
